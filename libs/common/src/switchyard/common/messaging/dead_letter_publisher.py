"""Moving a poison record to the consuming service's dead-letter topic.

The dead-letter record keeps the ORIGINAL bytes as its value (so a replay republishes
exactly what was produced) and the original key; headers say where it came from and why
it failed, next to the original headers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from faststream.kafka import KafkaBroker

from switchyard.common.messaging.metrics import EVENTS_DEAD_LETTERED

ORIGINAL_TOPIC = "x-original-topic"
ORIGINAL_PARTITION = "x-original-partition"
ORIGINAL_OFFSET = "x-original-offset"
ORIGINAL_KEY = "x-original-key"
ERROR_CLASS = "x-error-class"
ERROR_MESSAGE = "x-error-message"
CONSUMER = "x-consumer"
DEAD_LETTERED_AT = "x-dead-lettered-at"
OWN_HEADER_PREFIX = "x-"
_MAX_ERROR_MESSAGE = 2000


class Record(Protocol):
    """What is needed of a consumed Kafka record (aiokafka's ``ConsumerRecord`` fits)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


def dead_letter_headers(record: Record, error: BaseException, *, consumer: str) -> dict[str, str]:
    """The original headers plus where the record came from and why it failed."""
    headers = {name: value.decode(errors="replace") for name, value in record.headers}
    headers.update(
        {
            ORIGINAL_TOPIC: record.topic,
            ORIGINAL_PARTITION: str(record.partition),
            ORIGINAL_OFFSET: str(record.offset),
            ORIGINAL_KEY: record.key.decode(errors="replace") if record.key is not None else "",
            ERROR_CLASS: f"{type(error).__module__}.{type(error).__qualname__}",
            ERROR_MESSAGE: str(error)[:_MAX_ERROR_MESSAGE],
            CONSUMER: consumer,
            DEAD_LETTERED_AT: datetime.now(UTC).isoformat(),
        }
    )
    return headers


class DeadLetterPublisher:
    """Publishes one consumer's poison records to its service's dead-letter topic."""

    def __init__(self, broker: KafkaBroker, *, topic: str, service: str, consumer: str) -> None:
        self._broker = broker
        self._topic = topic
        self._service = service
        self._consumer = consumer

    @property
    def topic(self) -> str:
        return self._topic

    async def publish(self, record: Record, error: BaseException) -> None:
        """Publish and wait for Kafka's acknowledgement; raises if it cannot."""
        await self._broker.publish(
            record.value or b"",
            self._topic,
            key=record.key,
            headers=dead_letter_headers(record, error, consumer=self._consumer),
        )
        EVENTS_DEAD_LETTERED.labels(service=self._service, consumer=self._consumer, topic=record.topic).inc()
