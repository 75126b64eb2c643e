"""RecordBatches against a real broker: every record arrives once, on its key's partition, in order."""

from __future__ import annotations

from collections import defaultdict

import msgspec
import pytest
from aiokafka.partitioner import DefaultPartitioner

from switchyard.common.contracts import UserDeleted
from switchyard.common.messaging import KafkaSettings, create_producer
from switchyard.common.messaging.record_batches import RecordBatches

pytestmark = pytest.mark.integration


async def test_records_keep_their_keys_partition_and_order_across_full_batches(
    kafka_settings: KafkaSettings, read_topic
):
    topic = kafka_settings.topic(UserDeleted.TOPIC)
    # Small batches, so each partition's records span several of them.
    small = msgspec.structs.replace(kafka_settings, max_batch_size=2048)
    producer = create_producer(small, client_id="record-batches-test")
    await producer.start()
    try:
        batches = RecordBatches(producer)
        sent = [(f"key-{n % 7}".encode(), f"value-{n:04d}".encode() * 10) for n in range(600)]
        for key, value in sent:
            await batches.add(topic, key, value, [("h", b"1")])
        acks = await batches.submit()
        for ack in acks:
            await ack
        partitions = sorted(await producer.partitions_for(topic))
    finally:
        await producer.stop()

    assert len(acks) > len(partitions)  # batches rolled over
    records = await read_topic(topic)
    assert len(records) == len(sent)
    by_key: dict[bytes, list[bytes]] = defaultdict(list)
    default = DefaultPartitioner()
    for record in records:
        assert record.key is not None
        assert record.partition == default(record.key, partitions, partitions)
        assert list(record.headers) == [("h", b"1")]
        by_key[record.key].append(record.value or b"")
    expected: dict[bytes, list[bytes]] = defaultdict(list)
    for key, value in sent:
        expected[key].append(value)
    assert by_key == expected


async def test_a_record_over_the_batch_size_travels_alone(kafka_settings: KafkaSettings, read_topic):
    topic = kafka_settings.topic(UserDeleted.TOPIC)
    producer = create_producer(
        msgspec.structs.replace(kafka_settings, max_batch_size=1024), client_id="rb-big"
    )
    await producer.start()
    try:
        batches = RecordBatches(producer)
        values = [b"small", b"x" * 5000, b"after"]
        for value in values:
            await batches.add(topic, b"one-key", value, [])
        for ack in await batches.submit():
            await ack
    finally:
        await producer.stop()
    assert [record.value for record in await read_topic(topic)] == values
