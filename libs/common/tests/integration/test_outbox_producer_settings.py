"""The producers actually connected (broker's and relay's) wait for all replicas and are idempotent."""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from switchyard.common.messaging import KafkaSettings, OutboxRelay, create_broker

pytestmark = pytest.mark.integration

ACKS_ALL = -1  # aiokafka's internal spelling of acks="all"


def _assert_durable(producer: AIOKafkaProducer) -> None:
    assert producer._sender._acks == ACKS_ALL  # aiokafka's default would be 1
    # Idempotence is on: the producer has a transaction manager and the broker gave it a producer id.
    assert producer._txn_manager is not None
    assert producer._txn_manager.producer_id >= 0


async def test_broker_producer_is_durable(messaging_kafka: KafkaSettings):
    broker = create_broker(messaging_kafka, service="users")
    await broker.connect()
    try:
        fast_producer: Any = broker.config.broker_config.producer
        producer = fast_producer._producer.producer
        assert isinstance(producer, AIOKafkaProducer)
        _assert_durable(producer)
    finally:
        await broker.stop()


async def test_relay_producer_is_durable(messaging_database_url: str, messaging_kafka: KafkaSettings):
    async with OutboxRelay(
        database_url=messaging_database_url, kafka=messaging_kafka, service="users"
    ) as relay:
        await relay.wait_ready()
        assert relay.producer is not None
        _assert_durable(relay.producer)
