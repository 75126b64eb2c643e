"""Wiring an :class:`IdempotentConsumer` to a FastStream Kafka subscriber.

The subscriber uses ``AckPolicy.MANUAL``: FastStream's default (ACK_FIRST) commits the
offset before the handler runs, which loses the event if the process dies mid-way. Here
the offset is committed only once the event is applied, found to be a duplicate, or
dead-lettered; when even the dead-letter publish fails the consumer seeks back, so the
record comes again after a pause.

Subscribers take batches (``getmany``): whatever Kafka has buffered, up to
``KafkaSettings.consume_batch_size`` records, without waiting to fill one.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from opentelemetry import trace
from opentelemetry.trace import TracerProvider

from switchyard.common.contracts import IntegrationEvent
from switchyard.common.db.unit_of_work import SqlAlchemyUnitOfWork
from switchyard.common.messaging.consumer import (
    CONSUMER_RETRY,
    BatchHandler,
    EventHandler,
    IdempotentConsumer,
)
from switchyard.common.messaging.consumer_tracing import consume_span
from switchyard.common.messaging.dead_letter_publisher import DeadLetterPublisher
from switchyard.common.messaging.metrics import CONSUMED_BATCH_SIZE, CONSUMER_LAG
from switchyard.common.messaging.retry import RetryPolicy
from switchyard.common.messaging.settings import KafkaSettings
from switchyard.common.messaging.topics import dead_letter_topic

log = structlog.get_logger()

# How long an idle subscriber waits in one poll; records already buffered are returned at once.
# FastStream's batch subscriber sleeps as long again after an empty poll, and a record arriving
# then waits for the sleep: at 500 ms that was most of every event's latency (bench/event_latency.py).
_IDLE_POLL_MS = 100


def subscribe[E: IntegrationEvent, U: SqlAlchemyUnitOfWork](
    broker: KafkaBroker,
    event_type: type[E],
    handler: EventHandler[E, U],
    *,
    service: str,
    kafka: KafkaSettings,
    uow_factory: Callable[[], U],
    name: str | None = None,
    retry: RetryPolicy = CONSUMER_RETRY,
    batch_handler: BatchHandler[E, U] | None = None,
    max_records: int | None = None,
    tracer_provider: TracerProvider | None = None,
) -> IdempotentConsumer[E, U]:
    """Consume ``event_type`` with ``handler(event, envelope, uow)``; call before the broker starts.

    ``batch_handler``, when given, applies a whole batch at once; ``handler`` is then unused.
    ``max_records`` caps a batch below ``KafkaSettings.consume_batch_size`` (for events that
    each carry many rows).

    ``name`` (default ``<service>.<handler name>``) is both the Kafka consumer group and the
    key of the processed-events records, so it must stay stable across releases.
    """
    consumer_name = name or f"{service}.{getattr(handler, '__name__', event_type.__name__)}"
    dead_letters = DeadLetterPublisher(
        broker, topic=kafka.topic(dead_letter_topic(service)), service=service, consumer=consumer_name
    )
    consumer = IdempotentConsumer(
        event_type,
        handler,
        name=consumer_name,
        service=service,
        uow_factory=uow_factory,
        dead_letters=dead_letters,
        retry=retry,
        batch_handler=batch_handler,
    )
    subscriber = broker.subscriber(
        kafka.topic(event_type.TOPIC),
        # Prefixed like the topics, so parallel stacks and test runs on one broker never share a group.
        group_id=kafka.topic(consumer_name),
        ack_policy=AckPolicy.MANUAL,
        # A new group starts from the beginning: events published before its first start count.
        auto_offset_reset="earliest",
        batch=True,
        max_records=min(max_records or kafka.consume_batch_size, kafka.consume_batch_size),
        batch_timeout_ms=_IDLE_POLL_MS,
        parser=parse_tolerantly,
        decoder=keep_records,
    )
    tracer = trace.get_tracer("switchyard.messaging", tracer_provider=tracer_provider)
    subscriber(_KafkaEntry(consumer, tracer).on_message)
    return consumer


async def parse_tolerantly(
    message: ConsumerRecord[bytes, bytes] | tuple[ConsumerRecord[bytes, bytes], ...],
    parse: Callable[[Any], Awaitable[Any]],
) -> Any:
    """FastStream's parser, given records whose header values are valid UTF-8 text.

    FastStream decodes header values strictly: one record with a null value or bytes that are
    not UTF-8 would make it refuse the whole batch, and with manual commits the next batch's
    commit would then pass over it unapplied. Such values become text (U+FFFD where bytes were
    not UTF-8, empty where null), so the record is processed (or dead-lettered) like any other.
    """
    if isinstance(message, tuple):
        return await parse(tuple(_with_text_headers(record) for record in message))
    return await parse(_with_text_headers(message))


async def keep_records(message: Any) -> Any:
    """The "decoded body" FastStream hands on: the records themselves.

    The consumer decodes each envelope with msgspec; FastStream's own decoder would first
    ``json.loads`` every record and build a message object (with a fresh ``uuid4``) for it, a
    fifth of a busy consumer's CPU spent on results nobody reads.
    """
    return message.raw_message


def _with_text_headers(record: ConsumerRecord[bytes, bytes]) -> ConsumerRecord[bytes, bytes]:
    # Every record of every batch comes through here: ASCII values (all ours) are left as they are.
    if all(value is not None and value.isascii() for _name, value in record.headers):
        return record
    clean = [(name, (value or b"").decode(errors="replace").encode()) for name, value in record.headers]
    return dataclasses.replace(record, headers=clean)


class _KafkaEntry:
    """The FastStream handler around one consumer: acknowledgement and lag."""

    def __init__(self, consumer: IdempotentConsumer[Any, Any], tracer: trace.Tracer) -> None:
        self._consumer = consumer
        self._tracer = tracer

    async def on_message(self, message: KafkaMessage) -> None:
        raw = message.raw_message
        records: tuple[ConsumerRecord[bytes, bytes], ...] = raw if isinstance(raw, tuple) else (raw,)
        if not records:
            return
        try:
            with consume_span(self._tracer, records, consumer=self._consumer.name):
                outcomes = await self._consumer.process_batch(records)
        except Exception:
            first = records[0]
            log.exception(
                "events neither applied nor dead-lettered; they will be redelivered",
                consumer=self._consumer.name,
                topic=first.topic,
                partition=first.partition,
                offset=first.offset,
                count=len(records),
            )
            await asyncio.sleep(self._consumer.retry.max_delay)
            await message.nack()
            return
        await message.ack()
        CONSUMED_BATCH_SIZE.labels(service=self._consumer.service, consumer=self._consumer.name).observe(
            len(records)
        )
        for outcome, times in Counter(outcomes).items():
            self._consumer.count(outcome, times)
        partitions = {TopicPartition(record.topic, record.partition) for record in records}
        for partition in partitions:
            await self._report_lag(message.consumer, partition)

    async def _report_lag(self, kafka_consumer: AIOKafkaConsumer, partition: TopicPartition) -> None:
        highwater = kafka_consumer.highwater(partition)
        if highwater is None:
            return
        position = await kafka_consumer.position(partition)
        CONSUMER_LAG.labels(
            service=self._consumer.service,
            consumer=self._consumer.name,
            topic=partition.topic,
            partition=str(partition.partition),
        ).set(max(highwater - position, 0))
