"""Reading a whole topic once, outside any consumer group (operator tools, tests)."""

from __future__ import annotations

from aiokafka import ConsumerRecord, TopicPartition

from switchyard.common.messaging.broker import create_admin, create_consumer
from switchyard.common.messaging.settings import KafkaSettings


async def topic_partitions(settings: KafkaSettings, topic: str) -> list[TopicPartition]:
    """The partitions of ``topic``; raises ``LookupError`` if it does not exist."""
    admin = create_admin(settings, client_id="switchyard-reader")
    await admin.start()
    try:
        (description,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    if description["error_code"] or not description["partitions"]:
        raise LookupError(f"topic {topic} does not exist")
    return [TopicPartition(topic, p["partition"]) for p in sorted(description["partitions"], key=_number)]


def _number(partition: dict[str, int]) -> int:
    return partition["partition"]


async def read_topic(settings: KafkaSettings, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record currently in ``topic`` (a full name), by partition then offset."""
    partitions = await topic_partitions(settings, topic)
    consumer = create_consumer(settings, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        # Explicit seeks: seek_to_beginning() is lazy and can lose against the assignment's reset.
        for partition, offset in (await consumer.beginning_offsets(partitions)).items():
            consumer.seek(partition, offset)
        records: list[ConsumerRecord[bytes, bytes]] = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            for batch in (await consumer.getmany(timeout_ms=1000)).values():
                records.extend(batch)
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        await consumer.stop()
