"""The auth database schema (Alembic migrations are written against this MetaData)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, MetaData, Table, Text, Uuid, func

from switchyard.common.db import add_messaging_tables

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", Text, nullable=False, unique=True),
    Column("username", Text, nullable=False, unique=True),
    Column("full_name", Text),
    Column("email_verified", Boolean, nullable=False, server_default="false"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

add_messaging_tables(metadata)
