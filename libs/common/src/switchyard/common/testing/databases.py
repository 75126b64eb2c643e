"""Throwaway PostgreSQL databases, one per test (or per service within a test)."""

from __future__ import annotations

import uuid
from pathlib import Path

import asyncpg
from sqlalchemy import MetaData, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from switchyard.common.db import DatabaseSettings, asyncpg_dsn, create_engine, create_session_factory
from switchyard.common.db.migrations import upgrade_to_head


class DatabaseFactory:
    """Creates uniquely named databases on one server; :meth:`close` drops them all."""

    def __init__(self, server_url: str, *, prefix: str = "sy_test") -> None:
        self._server_url = server_url
        self._prefix = prefix
        self._names: list[str] = []
        self._engines: list[AsyncEngine] = []

    async def create(self, *, migrations: Path | None = None, metadata: MetaData | None = None) -> str:
        """A new database's URL; migrated with the Alembic setup in ``migrations`` (a service root
        holding ``alembic.ini``) and/or holding ``metadata``'s tables, or empty.
        """
        name = f"{self._prefix}_{uuid.uuid4().hex[:12]}"
        await self._admin(f'CREATE DATABASE "{name}"')
        self._names.append(name)
        url = make_url(self._server_url).set(database=name).render_as_string(hide_password=False)
        if migrations is not None or metadata is not None:
            engine = create_engine(DatabaseSettings(url=url, pool_size=1))
            try:
                if migrations is not None:
                    await upgrade_to_head(engine, migrations)
                if metadata is not None:
                    async with engine.begin() as connection:
                        await connection.run_sync(metadata.create_all)
            finally:
                await engine.dispose()
        return url

    def sessions(self, url: str) -> async_sessionmaker[AsyncSession]:
        """Sessions on ``url`` for the test's own reads and writes; the engine closes with the factory."""
        engine = create_engine(DatabaseSettings(url=url, pool_size=2))
        self._engines.append(engine)
        return create_session_factory(engine)

    async def close(self) -> None:
        for engine in self._engines:
            await engine.dispose()
        # FORCE: a service that failed to stop cleanly must not keep the database alive.
        for name in reversed(self._names):
            await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._engines, self._names = [], []

    async def _admin(self, statement: str) -> None:
        connection = await asyncpg.connect(asyncpg_dsn(self._server_url))
        try:
            await connection.execute(statement)
        finally:
            await connection.close()
