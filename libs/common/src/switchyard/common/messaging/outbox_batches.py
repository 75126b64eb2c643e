"""Sending one batch of outbox rows: enqueue every record, collect the acks later."""

from __future__ import annotations

import asyncio

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from switchyard.common.messaging.outbox_store import OutboxRow
from switchyard.common.messaging.settings import KafkaSettings

log = structlog.get_logger()


class SentBatch:
    """Rows handed to the producer, and the futures of their acknowledgements."""

    def __init__(
        self, rows: list[OutboxRow], futures: list[asyncio.Future[object]], *, complete: bool
    ) -> None:
        self.rows = rows
        self.futures = futures
        # False when the producer refused a row: the rows after it were never sent.
        self.complete = complete

    async def acknowledged(self) -> list[OutboxRow]:
        """Wait for every ack; the rows acknowledged before the first failure, in order."""
        results = await asyncio.gather(*self.futures, return_exceptions=True)
        for index, result in enumerate(results):
            if isinstance(result, BaseException):
                log.error("outbox record not acknowledged", topic=self.rows[index].topic, error=repr(result))
                return self.rows[:index]
        return self.rows


async def send_batch(producer: AIOKafkaProducer, kafka: KafkaSettings, rows: list[OutboxRow]) -> SentBatch:
    """Enqueue ``rows`` in order without waiting for Kafka (the producer batches per partition)."""
    futures: list[asyncio.Future[object]] = []
    for row in rows:
        try:
            future = await producer.send(
                kafka.topic(row.topic), value=row.payload.encode(), key=row.key.encode(), headers=row.headers
            )
        except KafkaError as exc:
            log.error("outbox send refused", topic=row.topic, error=repr(exc))
            return SentBatch(rows[: len(futures)], futures, complete=False)
        futures.append(future)
    return SentBatch(rows, futures, complete=True)
