"""The notifications database schema (Alembic migrations are written against this MetaData)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text, UniqueConstraint, Uuid, func

from switchyard.common.db import add_erased_users_table, add_messaging_tables

metadata = MetaData()

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, index=True),
    Column("recipient", Text, nullable=False),
    Column("template", Text, nullable=False),
    Column("source_event_id", Uuid, nullable=False),
    Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # One email per source event and template, however often the event is delivered.
    UniqueConstraint("source_event_id", "template", name="uq_deliveries_source_event_template"),
)

add_messaging_tables(metadata)
erased_users = add_erased_users_table(metadata)
