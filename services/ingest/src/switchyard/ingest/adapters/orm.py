"""The ingest database schema (Alembic migrations are written against this MetaData)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, Table, Text, Uuid, func

from switchyard.common.db import add_erased_users_table, add_messaging_tables

metadata = MetaData()

# Lets an import tell rows that became users from rows still in flight.
onboarded_users = Table(
    "onboarded_users",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("email", Text, nullable=False, index=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

add_messaging_tables(metadata)
erased_users = add_erased_users_table(metadata)
