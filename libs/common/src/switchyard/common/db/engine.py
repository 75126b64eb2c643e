"""The async engine and session factory a composition root builds once per process."""

from __future__ import annotations

import msgspec
from sqlalchemy import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from switchyard.common.db.settings import DatabaseSettings


def asyncpg_url(url: str | URL) -> URL:
    """``url`` with the asyncpg driver, whatever PostgreSQL driver it named."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"not a PostgreSQL URL: {parsed.render_as_string(hide_password=True)}")
    return parsed.set(drivername="postgresql+asyncpg")


def asyncpg_dsn(url: str | URL) -> str:
    """A plain ``postgresql://`` DSN for opening raw asyncpg connections (LISTEN, advisory locks)."""
    return asyncpg_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    """An asyncpg-backed engine; pre-ping so a restarted database does not fail the first request."""
    return create_async_engine(
        asyncpg_url(settings.url),
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        pool_timeout=settings.pool_timeout,
        pool_recycle=settings.pool_recycle,
        pool_pre_ping=True,
        echo=settings.echo,
        # JSON columns (the outbox's headers among them) through msgspec rather than the json module.
        json_serializer=_json_text,
        json_deserializer=msgspec.json.decode,
    )


def _json_text(value: object) -> str:
    return msgspec.json.encode(value).decode()


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (the unit of work commits)."""
    return async_sessionmaker(engine, expire_on_commit=False)
