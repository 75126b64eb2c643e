"""Idempotent event consumption: one transaction per batch of events, offset committed afterwards.

For each record: decode the envelope and the typed event (poison -> dead-letter topic).
Then, in ONE unit of work for the whole batch Kafka handed over, record every
``(consumer, event id)`` as processed and run the handler on the events not seen before. A
redelivered event finds its record and has no second effect. When the batch fails, its
events are applied again one by one, each in its own transaction: transient failures are
retried with backoff, and once retries run out the record is dead-lettered and consumption
goes on. The Kafka offsets are committed only after the transactions committed or the
records were dead-lettered, so a crash in between means a redelivery, never a loss.

Batching is what lets a consumer keep up with bulk traffic (an import sends a million
events): one transaction, one processed-events insert and one outbox insert per batch
instead of per event. A handler may also take the whole batch (:data:`BatchHandler`) to
write its rows with one statement.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
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
# Applies several events (in delivery order) in one unit of work.
type BatchHandler[E: IntegrationEvent, U: SqlAlchemyUnitOfWork] = Callable[
    [Sequence[tuple[E, Envelope]], U], Awaitable[None]
]


class PermanentError(Exception):
    """Raised by a handler when retrying cannot help: the event goes straight to dead letters."""


class Outcome(StrEnum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    DEAD_LETTERED = "dead_lettered"


@dataclass(frozen=True, slots=True)
class _Decoded[E: IntegrationEvent]:
    record: Record
    event: E
    envelope: Envelope


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
        batch_handler: BatchHandler[E, U] | None = None,
    ) -> None:
        self.event_type = event_type
        self.name = name
        self.service = service
        self.retry = retry
        self._handler = handler
        self._batch_handler = batch_handler or self._one_after_another
        self._uow_factory = uow_factory
        self._dead_letters = dead_letters

    async def process(self, record: Record) -> Outcome:
        """Handle ``record``; raises only if it could be neither applied nor dead-lettered."""
        return (await self.process_batch([record]))[0]

    async def process_batch(self, records: Sequence[Record]) -> list[Outcome]:
        """Handle ``records`` (in order), together when possible; raises like :meth:`process`."""
        outcomes: list[Outcome] = []
        decoded: list[_Decoded[E]] = []
        for record in records:
            try:
                envelope = decode_envelope(record.value or b"")
                decoded.append(_Decoded(record, decode_event_as(envelope, self.event_type), envelope))
            except (msgspec.DecodeError, UnknownEventType) as exc:
                outcomes.append(await self._dead_letter(record, exc))
        if len(decoded) > 1:
            try:
                return outcomes + await self._apply_batch(decoded)
            except Exception as exc:
                log.warning(
                    "event batch failed; applying its events one by one",
                    consumer=self.name,
                    size=len(decoded),
                    error=repr(exc),
                )
        for item in decoded:
            outcomes.append(await self._process_one(item.record, item.event, item.envelope))
        return outcomes

    async def _process_one(self, record: Record, event: E, envelope: Envelope) -> Outcome:
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
            await self._batch_handler([(event, envelope)], uow)
            await uow.commit()
        return Outcome.PROCESSED

    async def _apply_batch(self, batch: Sequence[_Decoded[E]]) -> list[Outcome]:
        async with self._uow_factory() as uow:
            new = await uow.mark_processed_many([item.envelope.id for item in batch], self.name)
            outcomes: list[Outcome] = []
            fresh: list[tuple[E, Envelope]] = []
            for item in batch:
                if item.envelope.id in new:
                    # The same event twice in one batch is applied once.
                    new.discard(item.envelope.id)
                    fresh.append((item.event, item.envelope))
                    outcomes.append(Outcome.PROCESSED)
                else:
                    outcomes.append(Outcome.DUPLICATE)
            if fresh:
                await self._batch_handler(fresh, uow)
            await uow.commit()
        return outcomes

    async def _one_after_another(self, batch: Sequence[tuple[E, Envelope]], uow: U) -> None:
        for event, envelope in batch:
            await self._handler(event, envelope, uow)

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

    def count(self, outcome: Outcome, times: int = 1) -> None:
        EVENTS_CONSUMED.labels(service=self.service, consumer=self.name, outcome=outcome.value).inc(times)
