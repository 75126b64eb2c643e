"""Kafka for one test: its own topic prefix, committed offsets, raw (re)publishing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from aiokafka import ConsumerRecord

from switchyard.common.messaging import (
    KafkaSettings,
    all_topics,
    create_admin,
    create_producer,
    ensure_topics,
)
from switchyard.common.messaging.topics import delete_topics

# The ``read_topic`` fixture: every record now in a topic (full name), by partition then offset.
type ReadTopic = Callable[[str], Awaitable[list[ConsumerRecord[bytes, bytes]]]]


@asynccontextmanager
async def isolated_topics(bootstrap_servers: str) -> AsyncIterator[KafkaSettings]:
    """Settings under a fresh topic prefix with every catalog and dead-letter topic created."""
    settings = KafkaSettings(bootstrap_servers=bootstrap_servers, topic_prefix=f"t{uuid.uuid4().hex[:10]}-")
    topics = all_topics(settings.topic_prefix)
    await ensure_topics(settings, topics)
    try:
        yield settings
    finally:
        await delete_topics(settings, topics)


async def committed_offsets(kafka: KafkaSettings, consumer: str, topic: str) -> int:
    """Sum over ``topic``'s partitions of a consumer's committed offsets: records it is done with.

    ``consumer`` is the name given to ``subscribe``; its Kafka group carries the topic prefix.
    """
    admin = create_admin(kafka, client_id="switchyard-tests")
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(kafka.topic(consumer))
    finally:
        await admin.close()
    return sum(max(meta.offset, 0) for partition, meta in offsets.items() if partition.topic == topic)


async def describe_group(kafka: KafkaSettings, consumer: str) -> dict[str, Any]:
    """Consumer ``consumer``'s Kafka group now: ``state``, and ``members`` (each with its
    ``member_assignment``); the group carries the topic prefix."""
    admin = create_admin(kafka, client_id="switchyard-tests")
    await admin.start()
    try:
        (response,) = await admin.describe_consumer_groups([kafka.topic(consumer)])
    finally:
        await admin.close()
    (group,) = response.to_object()["groups"]
    return dict(group)


async def group_members(kafka: KafkaSettings, consumer: str) -> int:
    """How many members consumer ``consumer``'s group has now (0 once every member left)."""
    return len((await describe_group(kafka, consumer))["members"])


async def publish_raw(
    kafka: KafkaSettings,
    topic: str,
    value: bytes,
    *,
    key: bytes | None = None,
    headers: Sequence[tuple[str, bytes]] = (),
) -> None:
    """Send exactly these bytes to ``topic`` (a full name), e.g. to deliver a record again."""
    producer = create_producer(kafka, client_id="switchyard-tests")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key, headers=list(headers))
    finally:
        await producer.stop()
