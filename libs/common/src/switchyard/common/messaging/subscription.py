"""Wiring an :class:`IdempotentConsumer` to a FastStream Kafka subscriber.

The subscriber uses ``AckPolicy.MANUAL``: FastStream's default (ACK_FIRST) commits the
offset before the handler runs, which loses the event if the process dies mid-way. Here
the offset is committed only once the event is applied, found to be a duplicate, or
dead-lettered; when even the dead-letter publish fails the consumer seeks back, so the
record comes again after a pause.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from switchyard.common.contracts import IntegrationEvent
from switchyard.common.db.unit_of_work import SqlAlchemyUnitOfWork
from switchyard.common.messaging.consumer import CONSUMER_RETRY, EventHandler, IdempotentConsumer
from switchyard.common.messaging.dead_letter_publisher import DeadLetterPublisher
from switchyard.common.messaging.metrics import CONSUMER_LAG
from switchyard.common.messaging.retry import RetryPolicy
from switchyard.common.messaging.settings import KafkaSettings
from switchyard.common.messaging.topics import dead_letter_topic

log = structlog.get_logger()


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
) -> IdempotentConsumer[E, U]:
    """Consume ``event_type`` with ``handler(event, envelope, uow)``; call before the broker starts.

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
    )
    subscriber = broker.subscriber(
        kafka.topic(event_type.TOPIC),
        # Prefixed like the topics, so parallel stacks and test runs on one broker never share a group.
        group_id=kafka.topic(consumer_name),
        ack_policy=AckPolicy.MANUAL,
        # A new group starts from the beginning: events published before its first start count.
        auto_offset_reset="earliest",
    )
    subscriber(_KafkaEntry(consumer).on_message)
    return consumer


class _KafkaEntry:
    """The FastStream handler around one consumer: acknowledgement and lag."""

    def __init__(self, consumer: IdempotentConsumer[Any, Any]) -> None:
        self._consumer = consumer

    async def on_message(self, message: KafkaMessage) -> None:
        record = message.raw_message
        if not isinstance(record, ConsumerRecord):
            raise TypeError("batch subscribers are not supported")
        try:
            outcome = await self._consumer.process(record)
        except Exception:
            log.exception(
                "event neither applied nor dead-lettered; it will be redelivered",
                consumer=self._consumer.name,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
            )
            await asyncio.sleep(self._consumer.retry.max_delay)
            await message.nack()
            return
        await message.ack()
        self._consumer.count(outcome)
        await self._report_lag(message.consumer, TopicPartition(record.topic, record.partition))

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
