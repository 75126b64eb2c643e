"""Fixtures of the messaging and database integration tests: a fake service's tables and consumer.

Databases, topic prefixes, ``wait_until`` and ``read_topic`` come from the shared plugin
``switchyard.common.testing.fixtures``; only what these tests model lives here.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import Column, MetaData, Table, Text, Uuid
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from switchyard.common.db import (
    DatabaseSettings,
    SqlAlchemyUnitOfWork,
    add_messaging_tables,
    create_engine,
    create_session_factory,
)
from switchyard.common.messaging import KafkaSettings
from switchyard.common.testing import DatabaseFactory

# A service's own MetaData: its state tables plus the messaging tables.
messaging_test_metadata = MetaData()
add_messaging_tables(messaging_test_metadata)
EFFECTS = Table(
    "effects",
    messaging_test_metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("note", Text, nullable=False),
)


@pytest.fixture
def messaging_metadata() -> MetaData:
    """The fake service's MetaData, for tests that need a second database of the same shape."""
    return messaging_test_metadata


@pytest.fixture
async def messaging_database_url(make_database: DatabaseFactory) -> str:
    """A fresh database holding ``messaging_test_metadata``; dropped after the test."""
    return await make_database.create(metadata=messaging_test_metadata)


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
def messaging_kafka(kafka_settings: KafkaSettings) -> KafkaSettings:
    """The shared ``kafka_settings`` (unique prefix, all topics created) under this suite's name."""
    return kafka_settings


@pytest.fixture
def effects_table() -> Table:
    """A state table of the fake service: one row per applied event."""
    return EFFECTS


@pytest.fixture
def consumer_name() -> str:
    """A consumer (group) name no other test uses, so groups and metric labels do not mix."""
    return f"users.on_test_{uuid.uuid4().hex[:8]}"
