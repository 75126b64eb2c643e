"""Database access shared by the services: engine, sessions, messaging tables, unit of work."""

from switchyard.common.db.engine import asyncpg_dsn, asyncpg_url, create_engine, create_session_factory
from switchyard.common.db.erasure import ErasedUsers, add_erased_users_table
from switchyard.common.db.settings import DatabaseSettings
from switchyard.common.db.tables import (
    OUTBOX_CHANNEL,
    OUTBOX_TABLE,
    PROCESSED_EVENTS_TABLE,
    add_messaging_tables,
)
from switchyard.common.db.unit_of_work import SqlAlchemyUnitOfWork

__all__ = [
    "OUTBOX_CHANNEL",
    "OUTBOX_TABLE",
    "PROCESSED_EVENTS_TABLE",
    "DatabaseSettings",
    "ErasedUsers",
    "SqlAlchemyUnitOfWork",
    "add_erased_users_table",
    "add_messaging_tables",
    "asyncpg_dsn",
    "asyncpg_url",
    "create_engine",
    "create_session_factory",
]
