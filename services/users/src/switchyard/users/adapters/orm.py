"""The users database schema (Alembic migrations are written against this MetaData)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Index, MetaData, Table, Text, Uuid, func

from switchyard.common.db import add_messaging_tables

metadata = MetaData()

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
    Index("ix_profiles_created_at", "created_at"),
)

add_messaging_tables(metadata)
