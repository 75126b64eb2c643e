"""The notifications database schema (Alembic migrations are written against this MetaData)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

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
    Column("category", Text, nullable=False, server_default="account"),
    Column("locale", Text),
    # What the template is rendered with (links with one-time tokens; erased with the user).
    Column("context", JSONB, nullable=False, server_default="{}"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # A sender holds the delivery until then; another may take it over afterwards (crash safety).
    Column("claimed_until", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # 0 for an email someone is waiting for, 1 for bulk (invitations): claimed in that order.
    Column("priority", SmallInteger, nullable=False, server_default="0"),
    # One email per source event and template, however often the event is delivered.
    UniqueConstraint("source_event_id", "template", name="uq_deliveries_source_event_template"),
    Index("ix_deliveries_due", "status", "priority", "next_attempt_at"),
)

# Who can be written to: kept from auth's and users' events (the uploader of an import, locales).
recipients = Table(
    "recipients",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("email", Text, nullable=False),
    Column("full_name", Text),
    Column("locale", Text),
)

inbox_items = Table(
    "inbox_items",
    metadata,
    # Increasing: the order of the inbox and the SSE event id a client resumes from.
    Column("seq", BigInteger, Identity(always=True), primary_key=True),
    Column("id", Uuid, nullable=False, unique=True),
    Column("user_id", Uuid, nullable=False),
    Column("category", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("link", Text),
    Column("source_event_id", Uuid, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("read_at", DateTime(timezone=True)),
    UniqueConstraint("source_event_id", "user_id", name="uq_inbox_items_source_event_user"),
    Index("ix_inbox_items_user_seq", "user_id", "seq"),
)

preferences = Table(
    "preferences",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    # Categories the user opted out of (never security or account).
    Column("opted_out", ARRAY(Text), nullable=False, server_default="{}"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

add_messaging_tables(metadata)
erased_users = add_erased_users_table(metadata)
