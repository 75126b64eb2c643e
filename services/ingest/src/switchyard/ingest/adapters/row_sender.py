"""Sending valid rows to auth as ``ingest.import-row-submitted`` commands, a batch at a time.

Every record of a batch is packed into Kafka batches per partition before any acknowledgement
is awaited (``RecordBatches``: one ack per Kafka batch, not per record); then all acks are
awaited together. The batch is checkpointed only after that, so a crash re-sends it: auth derives
the account id from import and row, so a row sent twice still makes one account.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from uuid import UUID

from aiokafka import AIOKafkaProducer
from opentelemetry import propagate

from switchyard.common.contracts import ImportRowSubmitted, encode_envelope, to_envelope
from switchyard.common.contracts.ids import uuid5
from switchyard.common.messaging import KafkaSettings, create_producer
from switchyard.common.messaging.record_batches import RecordBatches
from switchyard.ingest.domain.rows import ValidRow

_CONTENT_TYPE = ("content-type", b"application/json")


class RowSender:
    def __init__(self, kafka: KafkaSettings, *, service: str) -> None:
        self._kafka = kafka
        self._topic = kafka.topic(ImportRowSubmitted.TOPIC)
        self._service = service
        self._producer: AIOKafkaProducer | None = None

    async def _connected(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = create_producer(self._kafka, client_id=f"{self._service}-row-sender")
            await producer.start()
            self._producer = producer
        return self._producer

    async def send(self, import_id: UUID, rows: Sequence[ValidRow], *, notify: bool) -> None:
        """Return once Kafka acknowledged every row; raises (a KafkaError) if any was refused."""
        if not rows:
            return
        producer = await self._connected()
        headers: dict[str, str] = {}
        propagate.inject(headers)
        header_list = [(name, value.encode()) for name, value in headers.items()]
        header_list.append(_CONTENT_TYPE)
        batches = RecordBatches(producer)
        for row in rows:
            event = ImportRowSubmitted(
                import_id=import_id,
                row_number=row.row_number,
                email=row.email,
                username=row.username,
                full_name=row.full_name,
                role=row.role,
                notify=notify,
            )
            # The same row sent again is the same event: auth's processed-events record drops it.
            envelope = to_envelope(
                event, source=self._service, event_id=uuid5(import_id, str(row.row_number))
            )
            await batches.add(self._topic, envelope.key.encode(), encode_envelope(envelope), header_list)
        await asyncio.gather(*await batches.submit())

    async def close(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await producer.stop()
