"""Working off the delivery log: claim due emails, render, send, and record what happened.

Each delivery is sent on its own: a slow or failing one never holds up the others. Transient
failures (connection refused, timeouts, 4xx answers) are retried with exponential backoff and
jitter; a 5xx answer is final (status failed, never retried in a loop). A delivery out of
attempts is failed too and reported to the dead-letter topic, so an operator sees it there and in
``GET /deliveries?status=failed``, whence it can be retried. The Kafka consumers only queue
deliveries, so their partitions never wait for the mail server.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from prometheus_client import Counter

from switchyard.common.messaging import RetryPolicy
from switchyard.common.observability import declare_metric
from switchyard.notifications.adapters.smtp import SendFailed, SmtpSender
from switchyard.notifications.adapters.templates import TemplateRenderer
from switchyard.notifications.domain.model import BULK_PRIORITY, Delivery, now
from switchyard.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from switchyard.notifications.settings import NotificationsSettings, SendingSettings

log = structlog.get_logger(__name__)

SENT = declare_metric(
    Counter, "switchyard_notifications_emails_total", "Email delivery attempts by outcome.", ["outcome"]
)

type DeadLetter = Callable[[Delivery, str], Awaitable[None]]


def render_context(stored: Mapping[str, Any], sending: SendingSettings) -> dict[str, Any]:
    """What a delivery's template is rendered with: its stored context plus the service-wide values.

    Moments stay the ISO strings JSON stored; the templates' ``datetime`` filter reads them.
    """
    return {**stored, "public_url": sending.public_url, "support_email": sending.support_email}


@dataclass
class DeliverySender:
    settings: NotificationsSettings
    uow: Callable[[], NotificationsUnitOfWork]
    smtp: SmtpSender
    renderer: TemplateRenderer
    dead_letter: DeadLetter
    # Connections of their own for bulk email, so a batch of invitations waiting for a free
    # connection never stands in front of a reset link; None shares ``smtp``.
    bulk_smtp: SmtpSender | None = None

    def _smtp_for(self, delivery: Delivery) -> SmtpSender:
        return (
            self.bulk_smtp if self.bulk_smtp is not None and delivery.priority >= BULK_PRIORITY else self.smtp
        )

    async def close(self) -> None:
        await self.smtp.close()
        if self.bulk_smtp is not None:
            await self.bulk_smtp.close()

    @property
    def _retry(self) -> RetryPolicy:
        s = self.settings.sending
        return RetryPolicy(max_attempts=s.max_attempts, base_delay=s.retry_base_s, max_delay=s.retry_max_s)

    async def send_due(self, *, bulk: bool | None = None) -> int:
        """One round: claim a batch of due deliveries and send them concurrently; how many were claimed.

        ``bulk`` picks a lane (None: both, interactive first).
        """
        claimed, _reached = await self._round(bulk)
        return claimed

    async def _round(self, bulk: bool | None) -> tuple[int, int]:
        """Claim and send a batch: (claimed, how many the server answered, either way)."""
        s = self.settings.sending
        async with self.uow() as uow:
            claimed = await uow.deliveries.claim_due(now(), limit=s.batch_size, claim_s=s.claim_s, bulk=bulk)
            await uow.commit()
        reached = await asyncio.gather(*(self._send(delivery) for delivery in claimed))
        return len(claimed), sum(reached)

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop``: send what is due, in two lanes.

        Bulk emails (an import's thousands of invitations) have a lane of their own, so an email
        someone is waiting for (a reset link) never waits for a bulk batch in flight.
        """
        await asyncio.gather(self._run_lane(stop, bulk=False), self._run_lane(stop, bulk=True))

    async def _run_lane(self, stop: asyncio.Event, *, bulk: bool) -> None:
        while not stop.is_set():
            try:
                claimed, reached = await self._round(bulk)
            except Exception as exc:  # the database may be down: wait, never die
                log.warning("delivery_round_failed", error=repr(exc), bulk=bulk)
                claimed = reached = 0
            if claimed and not reached:
                # The server answered none of them (down, or refusing connections): wait a retry
                # delay before claiming more, instead of churning through the queue rescheduling
                # every due email while consumers compete for the same database and CPU.
                pause = self.settings.sending.retry_base_s
            elif claimed == 0:
                pause = self.settings.sending.idle_poll_s
            else:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=pause)

    async def _send(self, delivery: Delivery) -> bool:
        """Send one delivery and record the outcome; False when the server could not be reached."""
        sending = self.settings.sending
        try:
            email = self.renderer.render(
                delivery.template, delivery.locale, render_context(delivery.context, sending)
            )
            smtp = self._smtp_for(delivery)
            message = smtp.message(
                to=delivery.recipient,
                subject=email.subject,
                text=email.text,
                html=email.html,
                message_id=delivery.id.hex,
            )
            await smtp.send(message)
        except SendFailed as exc:
            await self._failed(delivery, str(exc), permanent=exc.permanent)
            return exc.permanent or exc.answered
        except Exception as exc:  # a template bug: retrying would fail the same way
            await self._failed(delivery, f"render: {exc!r}", permanent=True)
            return True
        async with self.uow() as uow:
            await uow.deliveries.mark_sent(delivery.id, now())
            await uow.commit()
        SENT.labels(outcome="sent").inc()
        return True

    async def _failed(self, delivery: Delivery, error: str, *, permanent: bool) -> None:
        out_of_attempts = delivery.attempts >= self.settings.sending.max_attempts
        async with self.uow() as uow:
            if permanent or out_of_attempts:
                await uow.deliveries.mark_failed(delivery.id, error)
            else:
                await uow.deliveries.reschedule(delivery.id, self._next_attempt(delivery), error)
            await uow.commit()
        if permanent or out_of_attempts:
            SENT.labels(outcome="failed").inc()
            log.warning(
                "delivery_failed", delivery_id=str(delivery.id), attempts=delivery.attempts, error=error
            )
            if out_of_attempts and not permanent:
                await self.dead_letter(delivery, error)
        else:
            SENT.labels(outcome="retry").inc()

    def _next_attempt(self, delivery: Delivery) -> datetime:
        return now() + timedelta(seconds=self._retry.delay(delivery.attempts))
