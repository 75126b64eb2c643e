"""The ready-made readiness checks against the real database, Kafka and Redis."""

from __future__ import annotations

import pytest
from faststream.kafka import KafkaBroker
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import create_async_engine

from switchyard.common.http import database_check, kafka_check, redis_check, run_readiness_checks

pytestmark = pytest.mark.integration


async def test_all_dependencies_up(database_server_url: str, redis_url: str, kafka_bootstrap: str) -> None:
    engine = create_async_engine(database_server_url)
    redis = Redis.from_url(redis_url)
    broker = KafkaBroker(kafka_bootstrap)
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
    broker = KafkaBroker("127.0.0.1:1")  # never connected: it cannot answer
    try:
        checks = [database_check(engine), kafka_check(broker, timeout_s=0.5), redis_check(redis)]
        results = await run_readiness_checks(checks, timeout_s=2)
    finally:
        await redis.aclose()
        await engine.dispose()

    assert results == {"database": "down", "kafka": "down", "redis": "down"}
