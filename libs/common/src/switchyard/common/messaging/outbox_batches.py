"""Sending one batch of outbox rows: pack every record, collect the acks later."""

from __future__ import annotations

import asyncio

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from switchyard.common.messaging.outbox_store import OutboxRow
from switchyard.common.messaging.record_batches import Parcel, RecordBatches
from switchyard.common.messaging.settings import KafkaSettings

log = structlog.get_logger()


class SentBatch:
    """Rows handed to the producer, each with the Kafka batch (parcel) it travels in."""

    def __init__(self, rows: list[OutboxRow], parcels: list[Parcel], *, complete: bool) -> None:
        self.rows = rows
        self.parcels = parcels
        # False when the producer refused a row: some rows were never sent.
        self.complete = complete

    async def acknowledged(self) -> list[OutboxRow]:
        """Wait for every ack; the rows acknowledged before the first failure (or unsent row), in order."""
        futures = {id(p.future): p.future for p in self.parcels if p.future is not None}
        await asyncio.gather(*futures.values(), return_exceptions=True)
        for index, parcel in enumerate(self.parcels):
            future = parcel.future
            if future is None:
                return self.rows[:index]
            if future.exception() is not None:
                log.error(
                    "outbox record not acknowledged",
                    topic=self.rows[index].topic,
                    error=repr(future.exception()),
                )
                return self.rows[:index]
        return self.rows


async def send_batch(producer: AIOKafkaProducer, kafka: KafkaSettings, rows: list[OutboxRow]) -> SentBatch:
    """Pack ``rows`` per partition, in order, without waiting for Kafka's acks."""
    batches = RecordBatches(producer)
    parcels: list[Parcel] = []
    try:
        for row in rows:
            parcels.append(
                await batches.add(kafka.topic(row.topic), row.key.encode(), row.payload.encode(), row.headers)
            )
        await batches.submit()
    except KafkaError as exc:
        log.error(
            "outbox send refused", topic=rows[len(parcels) - 1].topic if parcels else None, error=repr(exc)
        )
        # Whatever was packed but not submitted stays unsent: acknowledged() stops at its first row.
        return SentBatch(rows[: len(parcels)], parcels, complete=False)
    return SentBatch(rows, parcels, complete=True)
