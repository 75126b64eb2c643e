"""The users database schema (Alembic migrations are written against this MetaData)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, MetaData, Table, Text, Uuid, func, text

from switchyard.common.db import add_messaging_tables

metadata = MetaData()

# What ``q`` searches; a trigram GIN index on the same expression keeps it fast at millions of rows.
SEARCH_TEXT = "lower(email || ' ' || username || ' ' || coalesce(full_name, ''))"

profiles = Table(
    "profiles",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", Text, nullable=False, unique=True),
    Column("username", Text, nullable=False, unique=True),
    Column("full_name", Text),
    Column("role", Text, nullable=False, server_default="user"),
    Column("is_active", Boolean, nullable=False, server_default="true"),
    Column("email_verified", Boolean, nullable=False, server_default="false"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("locale", Text),
    Column("timezone", Text),
    Column("version", Integer, nullable=False, server_default="1"),
    # Keyset pagination by creation time; id breaks ties.
    Index("ix_profiles_created_at_id", "created_at", "id"),
    # Alembic cannot compare an expression with an operator class (it warns and skips it), and
    # given as postgresql_ops it compares PostgreSQL's rewritten form and always differs.
    Index("ix_profiles_search_trgm", text(f"({SEARCH_TEXT}) gin_trgm_ops"), postgresql_using="gin"),
)

add_messaging_tables(metadata)
