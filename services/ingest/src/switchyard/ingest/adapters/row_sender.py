"""Sending valid rows to auth as ``ingest.import-rows-submitted`` commands, a batch at a time.

A batch's rows are grouped by the partition each row's email keys to and sent as events of up to
``ImportRowsSubmitted.MAX_ROWS`` rows, keyed by their first row's email: every row about one
person lands on one partition in file order, and auth handles one event per few hundred rows.

Every record of a batch is packed into Kafka batches per partition before any acknowledgement
is awaited (``RecordBatches``: one ack per Kafka batch, not per record); then all acks are
awaited together. The batch is checkpointed only after that, so a crash re-sends it: auth derives
the account id from import and row, so a row sent twice still makes one account.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from uuid import UUID

from aiokafka import AIOKafkaProducer
from opentelemetry import propagate

from switchyard.common.contracts import ImportRowsSubmitted, SubmittedRow, encode_envelope, to_envelope
from switchyard.common.contracts.ids import uuid5
from switchyard.common.messaging import KafkaSettings, create_producer
from switchyard.common.messaging.partitioner import key_partitioner
from switchyard.common.messaging.record_batches import RecordBatches
from switchyard.ingest.domain.rows import ValidRow

_CONTENT_TYPE = ("content-type", b"application/json")


class RowSender:
    def __init__(self, kafka: KafkaSettings, *, service: str) -> None:
        self._kafka = kafka
        self._topic = kafka.topic(ImportRowsSubmitted.TOPIC)
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
        partitions = await batches.partitions(self._topic)
        # Each row goes with the rows whose emails key to its partition, in file order.
        by_partition: dict[int, list[SubmittedRow]] = defaultdict(list)
        for row in rows:
            partition = key_partitioner(row.email.encode(), partitions, partitions)
            by_partition[partition].append(
                SubmittedRow(
                    row_number=row.row_number,
                    email=row.email,
                    username=row.username,
                    full_name=row.full_name,
                    role=row.role,
                )
            )
        for group in by_partition.values():
            for start in range(0, len(group), ImportRowsSubmitted.MAX_ROWS):
                chunk = group[start : start + ImportRowsSubmitted.MAX_ROWS]
                event = ImportRowsSubmitted(
                    import_id=import_id, notify=notify, partition_email=chunk[0].email, rows=chunk
                )
                # The same rows sent again are the same event: auth's processed-events record drops it.
                event_id = uuid5(import_id, f"{chunk[0].row_number}-{chunk[-1].row_number}")
                envelope = to_envelope(event, source=self._service, event_id=event_id)
                await batches.add(self._topic, envelope.key.encode(), encode_envelope(envelope), header_list)
        await asyncio.gather(*await batches.submit())

    async def close(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await producer.stop()
