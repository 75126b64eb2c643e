"""The ready-made readiness checks against the real database, Kafka and Redis."""

from __future__ import annotations

import os

import pytest
from faststream.kafka import KafkaBroker
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import create_async_engine

from switchyard.common.http import database_check, kafka_check, redis_check, run_readiness_checks

pytestmark = pytest.mark.integration

REDIS_URL = os.environ.get("SWITCHYARD_TEST_REDIS_URL", "redis://127.0.0.1:56379/5")
KAFKA = os.environ.get("SWITCHYARD_TEST_KAFKA", "127.0.0.1:59092")
DATABASE_URL = os.environ.get(
    "SWITCHYARD_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:55432/postgres"
)


async def test_all_dependencies_up() -> None:
    engine = create_async_engine(DATABASE_URL)
    redis = Redis.from_url(REDIS_URL)
    broker = KafkaBroker(KAFKA)
    await broker.connect()
    try:
        checks = [database_check(engine), kafka_check(broker), redis_check(redis)]
        results = await run_readiness_checks(checks, timeout_s=10)
    finally:
        await broker.stop()
        await redis.aclose()
        await engine.dispose()

    assert results == {"database": "up", "kafka": "up", "redis": "up"}


async def test_unreachable_dependencies_are_down() -> None:
    engine = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1:1/postgres")
    redis = Redis(host="127.0.0.1", port=1)
    broker = KafkaBroker(KAFKA)  # never connected: it cannot answer
    try:
        checks = [database_check(engine), kafka_check(broker, timeout_s=0.5), redis_check(redis)]
        results = await run_readiness_checks(checks, timeout_s=2)
    finally:
        await redis.aclose()
        await engine.dispose()

    assert results == {"database": "down", "kafka": "down", "redis": "down"}
