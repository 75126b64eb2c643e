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

    async def acknowledged_events(self) -> list[OutboxRow]:
        """Wait for every ack; the events acknowledged before the first failure (or unsent one), in
        order: the last may be inside a bundle (:func:`whole_rows` takes the whole rows of them)."""
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


def whole_rows(rows: list[OutboxRow], count: int) -> list[OutboxRow]:
    """``rows[:count]`` without the events of a row (a bundle) that continues past ``count``."""
    if count < len(rows):
        while count > 0 and rows[count - 1].id == rows[count].id:
            count -= 1
    return rows[:count]


async def send_batch(producer: AIOKafkaProducer, kafka: KafkaSettings, rows: list[OutboxRow]) -> SentBatch:
    """Pack ``rows`` per partition, in order, without waiting for Kafka's acks."""
    batches = RecordBatches(producer)
    parcels: list[Parcel] = []
    try:
        for row in rows:
            parcels.append(
                await batches.add(kafka.topic(row.topic), row.key.encode(), row.payload, row.headers)
            )
        await batches.submit()
    except KafkaError as exc:
        # The row being packed when the producer refused (the one after the last packed).
        refused = rows[len(parcels)] if len(parcels) < len(rows) else rows[-1]
        log.error("outbox send refused", topic=refused.topic, error=repr(exc))
        # Whatever was packed but not submitted stays unsent: acknowledged_events() stops at its first row.
        # A bundle only partly packed stays whole.
        sent = whole_rows(rows, len(parcels))
        return SentBatch(sent, parcels[: len(sent)], complete=False)
    return SentBatch(rows, parcels, complete=True)
