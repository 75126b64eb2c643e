"""Database connection settings (``DATABASE_*`` environment variables)."""

from __future__ import annotations

import msgspec


class DatabaseSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Where and how a service reaches its own PostgreSQL database.

    ``url`` is a SQLAlchemy URL, ``postgresql+asyncpg://role:password@host:port/db``.
    """

    url: str
    pool_size: int = 5
    max_overflow: int = 10
    pool_timeout: float = 30.0
    pool_recycle: int = 1800
    echo: bool = False
