"""Checks every service runs on its own migrations: they match its tables and undo cleanly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection

from switchyard.common.db import DatabaseSettings, create_engine
from switchyard.common.db.migrations import alembic_config, upgrade_to_head


async def migration_drift(url: str, metadata: MetaData) -> list[Any]:
    """Differences between the migrated database at ``url`` and ``metadata`` (empty when they agree)."""

    def compare(connection: Connection) -> list[Any]:
        return list(compare_metadata(MigrationContext.configure(connection), metadata))

    engine = create_engine(DatabaseSettings(url=url, pool_size=1))
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(compare)
    finally:
        await engine.dispose()


async def downgrade_to_base_then_head(url: str, service_root: Path) -> list[str]:
    """Undo every migration, record the tables left, then migrate to head again."""
    config = alembic_config(service_root)

    def downgrade(connection: Connection) -> list[str]:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        return sorted(inspect(connection).get_table_names())

    engine = create_engine(DatabaseSettings(url=url, pool_size=1))
    try:
        async with engine.connect() as connection:  # each migration commits on its own
            left = await connection.run_sync(downgrade)
        await upgrade_to_head(engine, service_root)
        return left
    finally:
        await engine.dispose()
