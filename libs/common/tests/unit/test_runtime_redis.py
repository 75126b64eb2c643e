"""The runtime's Redis client: its pool waits for a free connection, sized and timed by REDIS_*."""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool

from switchyard.common.runtime.service import create_redis
from switchyard.common.runtime.settings import RedisSettings
from switchyard.common.settings import load_settings


async def test_the_pool_blocks_with_the_configured_size_and_timeout() -> None:
    environ = {
        "REDIS_URL": "redis://cache:6379/2",
        "REDIS_MAX_CONNECTIONS": "7",
        "REDIS_POOL_TIMEOUT_S": "2.5",
    }
    client = create_redis(load_settings(RedisSettings, prefix="REDIS_", environ=environ))
    try:
        pool = client.connection_pool
        assert isinstance(pool, BlockingConnectionPool)
        assert (pool.max_connections, pool.timeout) == (7, 2.5)
        assert pool.connection_kwargs["host"] == "cache"
        assert pool.connection_kwargs["db"] == 2
        # The pool is the client's own, so closing the client releases it.
        assert client.auto_close_connection_pool
    finally:
        await client.aclose()


async def test_the_pool_defaults_to_64_connections_and_a_5_second_wait() -> None:
    client = create_redis(load_settings(RedisSettings, prefix="REDIS_", environ={"REDIS_URL": "redis://r"}))
    try:
        pool = client.connection_pool
        assert isinstance(pool, BlockingConnectionPool)
        assert (pool.max_connections, pool.timeout) == (64, 5.0)
    finally:
        await client.aclose()
