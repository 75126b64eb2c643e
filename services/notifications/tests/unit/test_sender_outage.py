"""The sender during a mail-server outage: a round that reached no server pauses its lane (no I/O)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from switchyard.notifications.adapters.smtp import SendFailed
from switchyard.notifications.domain.model import BULK_PRIORITY, Delivery
from switchyard.notifications.service_layer.sending import DeliverySender
from switchyard.notifications.settings import NotificationsSettings, SendingSettings, SmtpSettings


@dataclass
class _Queue:
    """Claims hand out the queued deliveries, ``limit`` at a time; reschedules are recorded."""

    queued: list[Delivery]
    claims: int = 0
    rescheduled: list[uuid.UUID] = field(default_factory=list)

    async def claim_due(
        self, _now: datetime, *, limit: int, claim_s: int, bulk: bool | None
    ) -> list[Delivery]:
        self.claims += 1
        lane = [d for d in self.queued if bulk is None or (d.priority >= BULK_PRIORITY) == bulk][:limit]
        taken, self.queued = lane, [d for d in self.queued if d not in lane]
        for delivery in taken:
            delivery.attempts += 1
        return taken

    async def reschedule(self, delivery_id: uuid.UUID, _at: datetime, _error: str) -> None:
        self.rescheduled.append(delivery_id)


class _Uow:
    def __init__(self, queue: _Queue) -> None:
        self.deliveries = queue

    async def __aenter__(self) -> _Uow:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        return None

    async def commit(self) -> None:
        return None


class _Rendered:
    subject, text, html = "s", "t", "<p>h</p>"


class _Renderer:
    def render(self, *_args: Any) -> _Rendered:
        return _Rendered()


class _DownServer:
    """Every send fails as a refused connection would, or as a 451 answer would."""

    def __init__(self, *, answered: bool) -> None:
        self.answered = answered
        self.sends = 0

    def message(self, **_fields: Any) -> object:
        return object()

    async def send(self, _message: object) -> None:
        self.sends += 1
        raise SendFailed(
            "451 try later" if self.answered else "ConnectionRefusedError()",
            permanent=False,
            answered=self.answered,
        )


def _sender(queue: _Queue, server: _DownServer) -> DeliverySender:
    sending = SendingSettings(batch_size=5, retry_base_s=30.0, retry_max_s=60.0, idle_poll_s=0.01)
    settings = NotificationsSettings(smtp=SmtpSettings(), sending=sending)

    async def no_dead_letters(_delivery: Delivery, _error: str) -> None:
        raise AssertionError("nothing is out of attempts here")

    return DeliverySender(
        settings=settings,
        uow=lambda: _Uow(queue),  # type: ignore[arg-type,return-value]
        smtp=server,  # type: ignore[arg-type]
        renderer=_Renderer(),  # type: ignore[arg-type]
        dead_letter=no_dead_letters,
    )


def _queue(count: int) -> _Queue:
    return _Queue(
        [
            Delivery(recipient=f"u{n}@example.com", template="verify-email", source_event_id=uuid.uuid4())
            for n in range(count)
        ]
    )


async def _run_briefly(sender: DeliverySender) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    for _ in range(50):  # let the lanes go round as often as they will
        await asyncio.sleep(0)
    await asyncio.sleep(0.05)
    stop.set()
    await task


async def test_a_round_that_reached_no_server_waits_a_retry_delay_before_claiming_more() -> None:
    queue, server = _queue(20), _DownServer(answered=False)

    await _run_briefly(_sender(queue, server))

    # One round of five, then the interactive lane waits (30 s here); the rest stay queued.
    assert server.sends == 5
    assert len(queue.rescheduled) == 5
    assert len(queue.queued) == 15


async def test_a_server_that_answers_with_a_temporary_refusal_does_not_pause_the_lane() -> None:
    queue, server = _queue(20), _DownServer(answered=True)

    await _run_briefly(_sender(queue, server))

    assert server.sends == 20
    assert queue.queued == []
