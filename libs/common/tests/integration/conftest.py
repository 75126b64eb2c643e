"""Fixtures for the messaging and database integration tests (db/, contracts/, messaging/).

Everything is created per test under a unique name (database ``sy_msg_<hex>``, topics
prefixed ``t<hex>-``) and dropped afterwards, so runs never see each other's data. Meant
to move into ``switchyard.common.testing`` once the shared fixtures exist.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial

import asyncpg
import pytest
from aiokafka import ConsumerRecord
from sqlalchemy import Column, MetaData, Table, Text, Uuid, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from switchyard.common.db import (
    DatabaseSettings,
    SqlAlchemyUnitOfWork,
    add_messaging_tables,
    asyncpg_dsn,
    create_engine,
    create_session_factory,
)
from switchyard.common.messaging import KafkaSettings, all_topics, ensure_topics, topic_reader
from switchyard.common.messaging.topics import delete_topics

DATABASE_SERVER_URL = os.environ.get(
    "SWITCHYARD_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:55432/postgres"
)
KAFKA_BOOTSTRAP = os.environ.get("SWITCHYARD_TEST_KAFKA", "127.0.0.1:59092")

# A service's own MetaData: its state tables plus the messaging tables.
messaging_test_metadata = MetaData()
add_messaging_tables(messaging_test_metadata)
EFFECTS = Table(
    "effects",
    messaging_test_metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("note", Text, nullable=False),
)

type WaitUntil = Callable[[Callable[[], Awaitable[bool]]], Awaitable[None]]
type ReadTopic = Callable[[str], Awaitable[list[ConsumerRecord[bytes, bytes]]]]


@pytest.fixture
async def messaging_database_url() -> AsyncIterator[str]:
    """A fresh database holding ``messaging_test_metadata``; dropped after the test."""
    name = f"sy_msg_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(asyncpg_dsn(DATABASE_SERVER_URL))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = make_url(DATABASE_SERVER_URL).set(database=name).render_as_string(hide_password=False)
        engine = create_engine(DatabaseSettings(url=url))
        async with engine.begin() as connection:
            await connection.run_sync(messaging_test_metadata.create_all)
        await engine.dispose()
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def messaging_engine(messaging_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(DatabaseSettings(url=messaging_database_url, pool_size=3))
    yield engine
    await engine.dispose()


@pytest.fixture
def messaging_session_factory(messaging_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(messaging_engine)


@pytest.fixture
def uow_factory(
    messaging_session_factory: async_sessionmaker[AsyncSession],
) -> Callable[[], SqlAlchemyUnitOfWork]:
    return lambda: SqlAlchemyUnitOfWork(messaging_session_factory, source="test")


@pytest.fixture
async def messaging_kafka() -> AsyncIterator[KafkaSettings]:
    """Kafka settings with a unique topic prefix; every catalog and dead-letter topic exists."""
    settings = KafkaSettings(bootstrap_servers=KAFKA_BOOTSTRAP, topic_prefix=f"t{uuid.uuid4().hex[:10]}-")
    topics = all_topics(settings.topic_prefix)
    await ensure_topics(settings, topics)
    yield settings
    await delete_topics(settings, topics)


@pytest.fixture
def effects_table() -> Table:
    """A state table of the fake service: one row per applied event."""
    return EFFECTS


@pytest.fixture
def consumer_name() -> str:
    """A consumer (group) name no other test uses, so groups and metric labels do not mix."""
    return f"users.on_test_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def wait_until() -> WaitUntil:
    async def wait(condition: Callable[[], Awaitable[bool]], within: float = 30.0) -> None:
        async with asyncio.timeout(within):
            # Polling on purpose: the conditions are external state (Kafka, tables, metrics).
            while not await condition():  # noqa: ASYNC110
                await asyncio.sleep(0.05)

    return wait


@pytest.fixture
def read_topic(messaging_kafka: KafkaSettings) -> ReadTopic:
    """Every record currently in a (prefixed) topic, by partition then offset; no consumer group."""
    return partial(topic_reader.read_topic, messaging_kafka)
