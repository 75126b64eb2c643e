"""Idempotent event consumption: one transaction per event, offset committed afterwards.

For each record: decode the envelope and the typed event (poison -> dead-letter topic),
then, in ONE unit of work, record ``(consumer, event id)`` as processed and run the
handler. A redelivered event finds its record and has no second effect. Transient
failures are retried with backoff; once retries run out the record is dead-lettered and
consumption goes on. The Kafka offset is committed only after the transaction committed
or the record was dead-lettered, so a crash in between means a redelivery, never a loss.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from enum import StrEnum

import msgspec
import structlog

from switchyard.common.contracts import (
    Envelope,
    IntegrationEvent,
    UnknownEventType,
    decode_envelope,
    decode_event_as,
)
from switchyard.common.db.unit_of_work import SqlAlchemyUnitOfWork
from switchyard.common.messaging.dead_letter_publisher import DeadLetterPublisher, Record
from switchyard.common.messaging.failures import is_infrastructure_error
from switchyard.common.messaging.metrics import EVENTS_CONSUMED
from switchyard.common.messaging.retry import RetryPolicy

log = structlog.get_logger()

CONSUMER_RETRY = RetryPolicy(max_attempts=5, base_delay=0.2, max_delay=5.0)

type EventHandler[E: IntegrationEvent, U: SqlAlchemyUnitOfWork] = Callable[[E, Envelope, U], Awaitable[None]]


class PermanentError(Exception):
    """Raised by a handler when retrying cannot help: the event goes straight to dead letters."""


class Outcome(StrEnum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    DEAD_LETTERED = "dead_lettered"


class IdempotentConsumer[E: IntegrationEvent, U: SqlAlchemyUnitOfWork]:
    """Applies one handler to records of one event type, exactly once in effect."""

    def __init__(
        self,
        event_type: type[E],
        handler: EventHandler[E, U],
        *,
        name: str,
        service: str,
        uow_factory: Callable[[], U],
        dead_letters: DeadLetterPublisher,
        retry: RetryPolicy = CONSUMER_RETRY,
    ) -> None:
        self.event_type = event_type
        self.name = name
        self.service = service
        self.retry = retry
        self._handler = handler
        self._uow_factory = uow_factory
        self._dead_letters = dead_letters

    async def process(self, record: Record) -> Outcome:
        """Handle ``record``; raises only if it could be neither applied nor dead-lettered."""
        try:
            envelope = decode_envelope(record.value or b"")
            event = decode_event_as(envelope, self.event_type)
        except (msgspec.DecodeError, UnknownEventType) as exc:
            return await self._dead_letter(record, exc)
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._apply(event, envelope)
            except PermanentError as exc:
                return await self._dead_letter(record, exc)
            except Exception as exc:
                if not self.retry.retries_left(attempt):
                    if is_infrastructure_error(exc):
                        # Our own database (or another dependency) is down: the event is fine, so
                        # it is redelivered once the dependency is back instead of dead-lettered.
                        raise
                    return await self._dead_letter(record, exc)
                delay = self.retry.delay(attempt)
                log.warning(
                    "event handler failed; retrying",
                    consumer=self.name,
                    event_id=str(envelope.id),
                    attempt=attempt,
                    retry_in=round(delay, 3),
                    error=repr(exc),
                )
                await asyncio.sleep(delay)

    async def _apply(self, event: E, envelope: Envelope) -> Outcome:
        async with self._uow_factory() as uow:
            if not await uow.mark_processed(envelope.id, self.name):
                return Outcome.DUPLICATE
            await self._handler(event, envelope, uow)
            await uow.commit()
        return Outcome.PROCESSED

    async def _dead_letter(self, record: Record, error: BaseException) -> Outcome:
        log.error(
            "event dead-lettered",
            consumer=self.name,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            dead_letter_topic=self._dead_letters.topic,
            error=repr(error),
        )
        await self._dead_letters.publish(record, error)
        return Outcome.DEAD_LETTERED

    def count(self, outcome: Outcome) -> None:
        EVENTS_CONSUMED.labels(service=self.service, consumer=self.name, outcome=outcome.value).inc()
