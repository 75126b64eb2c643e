"""users in-process against the real Postgres, Kafka and Redis, with bearer tokens from a stand-in JWKS.

Profiles are written straight into the users database (no auth, no registration events), so a test
picks each caller's role and activity; tokens are minted by :class:`JwksServer`, whose key set the
app fetches over HTTP as it would auth's.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import msgspec
import pytest
from redis.asyncio import Redis
from sqlalchemy import RowMapping, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchyard.common.contracts import IntegrationEvent, decode_envelope, decode_event_as
from switchyard.common.db import DatabaseSettings
from switchyard.common.messaging import KafkaSettings
from switchyard.common.messaging.topic_reader import read_topic
from switchyard.common.runtime import ServiceSettings
from switchyard.common.runtime.settings import JwtSettings, RedisSettings
from switchyard.common.testing import (
    DatabaseFactory,
    JwksServer,
    isolated_topics,
    running_app,
    service_settings,
)
from switchyard.common.testing.problems import assert_problem, error_paths
from switchyard.common.testing.waiting import wait_until
from switchyard.users.adapters.orm import profiles
from switchyard.users.bootstrap import bootstrap

type Sessions = async_sessionmaker[AsyncSession]


def new_profile(
    *,
    role: str = "user",
    is_active: bool = True,
    user_id: uuid.UUID | None = None,
    **values: Any,
) -> dict[str, Any]:
    """A row of ``profiles`` with unique email and username; ``values`` set any other column."""
    user_id = user_id or uuid.uuid4()
    name = f"u{user_id.hex[:16]}"
    return {
        "id": user_id,
        "email": f"{name}@example.com",
        "username": name,
        "full_name": None,
        "role": role,
        "is_active": is_active,
        **values,
    }


@dataclass
class UsersApp:
    """The running service and what a test needs around it."""

    client: httpx.AsyncClient
    settings: ServiceSettings
    db: Sessions
    redis: Redis
    jwks: JwksServer

    @property
    def kafka(self) -> KafkaSettings:
        return self.settings.kafka

    new_row = staticmethod(new_profile)

    problem = staticmethod(assert_problem)
    error_paths = staticmethod(error_paths)

    async def insert(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Insert profile rows in one statement (an executemany: 10,000 rows take well under a second)."""
        async with self.db.begin() as session:
            await session.execute(insert(profiles), [dict(row) for row in rows])

    async def create(self, *, role: str = "user", is_active: bool = True, **values: Any) -> uuid.UUID:
        """A profile written straight into the users database; its id."""
        row = new_profile(role=role, is_active=is_active, **values)
        await self.insert([row])
        return uuid.UUID(str(row["id"]))

    def bearer(
        self, user_id: uuid.UUID, *, roles: Iterable[str] = ("user",), **claims: Any
    ) -> dict[str, str]:
        """A valid access token for ``user_id`` (the token's roles do not grant anything in users)."""
        return self.jwks.bearer(user_id, roles=roles, **claims)

    async def caller(self, role: str = "user", *, is_active: bool = True) -> tuple[uuid.UUID, dict[str, str]]:
        """A new profile and a bearer header for it, its token carrying the same role."""
        user_id = await self.create(role=role, is_active=is_active)
        return user_id, self.bearer(user_id, roles=[role])

    async def row(self, user_id: uuid.UUID) -> RowMapping | None:
        """The profile's row as stored now (None once deleted)."""
        async with self.db() as session:
            query = select(profiles).where(profiles.c.id == user_id)
            return (await session.execute(query)).mappings().first()

    async def events[E: IntegrationEvent](
        self, event_type: type[E], user_id: uuid.UUID | None = None
    ) -> list[E]:
        """The ``event_type`` events now on Kafka (about ``user_id`` if given), oldest first."""
        records = await read_topic(self.kafka, self.kafka.topic(event_type.TOPIC))
        found = []
        for record in records:
            envelope = decode_envelope(record.value or b"")
            if envelope.type != event_type.TYPE:
                continue
            event = decode_event_as(envelope, event_type)
            if user_id is None or getattr(event, "user_id", None) == user_id:
                found.append(event)
        return found

    async def wait_for_events[E: IntegrationEvent](
        self, event_type: type[E], user_id: uuid.UUID, count: int = 1
    ) -> list[E]:
        """Wait until ``count`` such events about ``user_id`` reached Kafka (the relay runs about every
        second); fail if more arrive than expected."""
        seen: list[E] = []

        async def arrived() -> bool:
            seen[:] = await self.events(event_type, user_id)
            return len(seen) >= count

        await wait_until(arrived, within=15)
        assert len(seen) == count, seen
        return seen


@asynccontextmanager
async def running_users(
    database_server_url: str,
    kafka_bootstrap: str,
    redis_url: str,
    jwks: JwksServer,
    *,
    app_redis_url: str | None = None,
) -> AsyncIterator[UsersApp]:
    """users on a fresh database and topic prefix; ``app_redis_url`` gives the app another Redis."""
    databases = DatabaseFactory(database_server_url)
    try:
        async with isolated_topics(kafka_bootstrap) as kafka:
            database_url = await databases.create()
            settings = msgspec.structs.replace(
                service_settings(database_url=database_url, kafka=kafka, redis_url=redis_url),
                # Tests send many requests at once; with the default 3 connections they would queue.
                database=DatabaseSettings(url=database_url, pool_size=10),
                redis=RedisSettings(url=app_redis_url or redis_url),
                jwt=JwtSettings(jwks_url=jwks.url),
            )
            redis = Redis.from_url(redis_url)
            try:
                async with running_app(bootstrap(settings)) as client:
                    yield UsersApp(client, settings, databases.sessions(database_url), redis, jwks)
            finally:
                await redis.aclose()
    finally:
        await databases.close()


@pytest.fixture
async def users(
    database_server_url: str, kafka_bootstrap: str, redis_url: str, jwks_server: JwksServer
) -> AsyncIterator[UsersApp]:
    """users on a database of this test's own."""
    async with running_users(database_server_url, kafka_bootstrap, redis_url, jwks_server) as app:
        yield app


@pytest.fixture
async def start_users(
    database_server_url: str, kafka_bootstrap: str, redis_url: str, jwks_server: JwksServer
) -> AsyncIterator[Callable[..., Awaitable[UsersApp]]]:
    """``await start_users(app_redis_url=...)``: users with other settings, stopped at teardown."""
    async with AsyncExitStack() as stack:

        async def start(*, app_redis_url: str | None = None) -> UsersApp:
            started = running_users(
                database_server_url, kafka_bootstrap, redis_url, jwks_server, app_redis_url=app_redis_url
            )
            return await stack.enter_async_context(started)

        yield start


@pytest.fixture(scope="module")
async def module_users(
    database_server_url: str, kafka_bootstrap: str, redis_url: str, jwks_server: JwksServer
) -> AsyncIterator[UsersApp]:
    """users shared by a module's tests (each works on profiles it creates)."""
    async with running_users(database_server_url, kafka_bootstrap, redis_url, jwks_server) as app:
        yield app
