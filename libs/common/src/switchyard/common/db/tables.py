"""The outbox and processed-events tables, added to each service's own MetaData.

The outbox holds only events not yet acknowledged by Kafka: the relay deletes a row once
Kafka has it (Kafka is the record of what was sent). Deleting rather than flagging keeps
the table small without a purge job and costs the database a fifth of an UPDATE. A row holds
one event, or (a *bundle*, messaging tables v3) every event of a transaction that wrote
several: one row written, read and deleted instead of hundreds (db/outbox_bundles.py). Processed-events
records are pruned once no copy of their event can come again (switchyard.common.db.pruning).

Each service calls :func:`add_messaging_tables` on the MetaData its Alembic migrations are
generated from, so the tables live in the service's own database. The unit of work and the
relay address them through a private copy with the same columns, so they do not need the
service's MetaData.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

OUTBOX_TABLE = "outbox"
# A row is one event (both bundle columns null) or a bundle (what is left of one may be a single event).
OUTBOX_BUNDLE_CHECK = "ck_outbox_bundle"
PROCESSED_EVENTS_TABLE = "processed_events"
PROCESSED_EVENTS_AGE_INDEX = "ix_processed_events_processed_at"
# The tables' shape as the latest migration helper makes it (db/migrations.py); 1 had no age index,
# 2 no bundles in the outbox.
MESSAGING_TABLES_VERSION = 3
# NOTIFY channel the unit of work signals on commit and the relay LISTENs to.
OUTBOX_CHANNEL = "switchyard_outbox"


def _outbox(metadata: MetaData, *, version: int) -> Table:
    bundles: list[Column[Any] | CheckConstraint] = []
    if version >= 3:
        # A bundle's events as JSON (db/outbox_bundles.py), stored lz4-compressed, and how many
        # there are; both null in a row of one event.
        bundles = [
            Column("records", LargeBinary, nullable=True),
            Column("record_count", Integer, nullable=True),
            CheckConstraint(
                "(records IS NULL) = (record_count IS NULL) AND coalesce(record_count, 1) > 0",
                name=OUTBOX_BUNDLE_CHECK,
            ),
        ]
    return Table(
        OUTBOX_TABLE,
        metadata,
        Column("id", BigInteger, Identity(always=True), primary_key=True),
        Column("event_id", Uuid, nullable=False),
        Column("event_type", Text, nullable=False),
        Column("event_version", Integer, nullable=False),
        Column("topic", Text, nullable=False),
        Column("key", Text, nullable=False),
        Column("payload", Text, nullable=False),
        Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        *bundles,
    )


def _processed_events(metadata: MetaData, *, version: int) -> Table:
    table = Table(
        PROCESSED_EVENTS_TABLE,
        metadata,
        Column("consumer", Text, nullable=False),
        Column("event_id", Uuid, nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("consumer", "event_id", name="pk_processed_events"),
    )
    if version >= 2:
        # What pruning walks, oldest first (switchyard.common.db.pruning). Records come in time
        # order, so entries are appended at the index's right edge and removed from its left.
        Index(PROCESSED_EVENTS_AGE_INDEX, table.c.processed_at)
    return table


def add_messaging_tables(
    metadata: MetaData, *, version: int = MESSAGING_TABLES_VERSION
) -> tuple[Table, Table]:
    """Add ``outbox`` and ``processed_events`` to ``metadata``; returns them in that order.

    ``version`` picks the shape an older migration helper created; services take the current one.
    """
    return _outbox(metadata, version=version), _processed_events(metadata, version=version)


OUTBOX, PROCESSED_EVENTS = add_messaging_tables(MetaData())
