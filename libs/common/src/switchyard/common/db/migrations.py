"""Alembic glue shared by every service: one ``env.py`` body and an in-process upgrade."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Column, Index, MetaData, Table, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.schema import AddConstraint

from switchyard.common.db.tables import (
    OUTBOX_BUNDLE_CHECK,
    OUTBOX_TABLE,
    PROCESSED_EVENTS_AGE_INDEX,
    PROCESSED_EVENTS_TABLE,
    add_messaging_tables,
)

# Any constant works; it only has to be the same for every replica of a service.
_MIGRATION_LOCK_ID = 0x5357_4D49
# How often a replica tries the lock while another one migrates.
_MIGRATION_LOCK_POLL_S = 0.2


def alembic_config(service_root: Path) -> Config:
    """The Alembic config of the service whose folder holds ``alembic.ini`` and ``migrations/``."""
    config = Config(str(service_root / "alembic.ini"))
    config.set_main_option("script_location", str(service_root / "migrations"))
    return config


async def upgrade_to_head(engine: AsyncEngine, service_root: Path) -> None:
    """Apply pending migrations, serialised by an advisory lock so replicas may start together.

    Each migration commits on its own (``transaction_per_migration``), so one may step out of any
    transaction for what PostgreSQL runs only there (``CREATE INDEX CONCURRENTLY``, in an Alembic
    ``autocommit_block``). The lock is therefore the session's, held across those commits and let
    go at the end, or with the connection if the process dies. A replica waits for it by trying
    again, never in an open transaction: a concurrent index build waits for every transaction
    older than itself to end, and one blocked on the lock its builder holds never would.
    """
    config = alembic_config(service_root)

    def _upgrade(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.connect() as connection:
        locked = False
        try:
            while not locked:
                taken = await connection.execute(
                    text("SELECT pg_try_advisory_lock(:id)"), {"id": _MIGRATION_LOCK_ID}
                )
                locked = bool(taken.scalar_one())
                await connection.commit()
                if not locked:
                    await asyncio.sleep(_MIGRATION_LOCK_POLL_S)
            await connection.run_sync(_upgrade)
        except BaseException:
            if not locked:
                # Cut short while trying: the lock may have been granted all the same.
                await connection.invalidate()
            raise
        finally:
            if locked:
                await _unlock(connection)


async def _unlock(connection: AsyncConnection) -> None:
    """Let go of the migration lock; if that fails, close the connection rather than return it to
    the pool still holding the lock (closing lets go of it)."""
    try:
        await connection.rollback()  # whatever a failed migration left open
        await connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _MIGRATION_LOCK_ID})
        await connection.commit()
    except BaseException:
        await connection.invalidate()
        raise


def run_env(metadata: MetaData) -> None:
    """The whole of a service's ``migrations/env.py``: in-process, offline, or from ``DATABASE_URL``."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection, metadata)
    elif context.is_offline_mode():
        context.configure(
            url=_database_url(), target_metadata=metadata, literal_binds=True, transaction_per_migration=True
        )
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(_run_online(metadata))


def _run(connection: Connection, metadata: MetaData) -> None:
    # A transaction per migration (the caller holds none), so one may use an autocommit block.
    context.configure(
        connection=connection, target_metadata=metadata, compare_type=True, transaction_per_migration=True
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(metadata: MetaData) -> None:
    engine = create_async_engine(_database_url(), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run, metadata)
    finally:
        await engine.dispose()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("alembic: DATABASE_URL is required but not set")
    return url


def create_messaging_tables_v1(connection: Connection) -> None:
    """Create the outbox and processed-events tables in a service's first migration.

    Versioned by name: a later change to those tables gets its own function and migration,
    so a migration that already ran never changes meaning.
    """
    _messaging_metadata_v1().create_all(connection)


def drop_messaging_tables_v1(connection: Connection) -> None:
    """Undo :func:`create_messaging_tables_v1`."""
    _messaging_metadata_v1().drop_all(connection)


def create_index_concurrently(connection: Connection, name: str, table: str, columns: Sequence[str]) -> None:
    """``CREATE INDEX CONCURRENTLY``: writers of ``table`` go on meanwhile. Call it inside
    ``op.get_context().autocommit_block()``. An index a failed build left behind (invalid) is
    dropped first, so the migration can simply run again."""
    connection.execute(text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))
    target = Table(table, MetaData(), *(Column(column) for column in columns))
    Index(name, *target.c, postgresql_concurrently=True).create(connection)


def create_processed_events_age_index_v2(connection: Connection) -> None:
    """Index ``processed_events`` by when each record was written, for pruning (messaging tables v2),
    concurrently (:func:`create_index_concurrently`, so inside an autocommit block)."""
    index = _processed_events_age_index()
    create_index_concurrently(connection, str(index.name), PROCESSED_EVENTS_TABLE, ["processed_at"])


def drop_processed_events_age_index_v2(connection: Connection) -> None:
    """Undo :func:`create_processed_events_age_index_v2`."""
    _processed_events_age_index().drop(connection)


# How long the outbox migrations wait for the table's lock. Writers and the relay queue behind a
# waiting ALTER, so past this it gives up (the migration fails and the pod's restart tries again)
# rather than hold every event-writing transaction of the service behind a long one.
_OUTBOX_LOCK_TIMEOUT = "5s"
# Every waiting row again, bundles expanded into a row per event, in the order they were written
# (new ids keep it; a relay that sent some of them meanwhile sends them again, as after any
# failure). json, not jsonb: an envelope keeps its exact text.
_UNBUNDLE = f"""
WITH waiting AS (DELETE FROM {OUTBOX_TABLE} RETURNING *)
INSERT INTO {OUTBOX_TABLE} (event_id, event_type, event_version, topic, key, payload, headers, created_at)
SELECT event_id, event_type, event_version, topic, key, payload, headers, created_at FROM (
    SELECT id, 0::bigint AS n, event_id, event_type, event_version, topic, key, payload, headers, created_at
    FROM waiting WHERE records IS NULL
    UNION ALL
    SELECT w.id, e.n, (e.v->>0)::uuid, e.v->3->>'type', (e.v->3->>'version')::int, e.v->>1, e.v->>2,
           (e.v->3)::text, w.headers, w.created_at
    FROM waiting AS w,
         json_array_elements(convert_from(w.records, 'UTF8')::json) WITH ORDINALITY AS e(v, n)
    WHERE w.records IS NOT NULL
) AS events
ORDER BY id, n
"""  # noqa: S608 (constant)


def add_outbox_bundles_v3(connection: Connection) -> None:
    """Let outbox rows hold a transaction's events (messaging tables v3): two nullable columns, a
    change to the catalog only (no table rewrite), lz4 for the bundles, which PostgreSQL's default
    compression (pglz) made dearer to write than the rows they replace, and a check that a row is
    either one event or a bundle of several."""
    connection.execute(text(f"SET LOCAL lock_timeout = '{_OUTBOX_LOCK_TIMEOUT}'"))
    outbox = add_messaging_tables(MetaData(), version=3)[0]
    for name in ("records", "record_count"):
        type_ = outbox.c[name].type.compile(dialect=connection.dialect)
        connection.execute(text(f"ALTER TABLE {OUTBOX_TABLE} ADD COLUMN IF NOT EXISTS {name} {type_}"))
    connection.execute(text(f"ALTER TABLE {OUTBOX_TABLE} ALTER COLUMN records SET COMPRESSION lz4"))
    connection.execute(AddConstraint(next(c for c in outbox.constraints if c.name == OUTBOX_BUNDLE_CHECK)))


def drop_outbox_bundles_v3(connection: Connection) -> None:
    """Undo :func:`add_outbox_bundles_v3`: the bundles waiting become rows of one event again,
    in order, then the columns go. The table is locked meanwhile: nothing is written or relayed."""
    connection.execute(text(f"SET LOCAL lock_timeout = '{_OUTBOX_LOCK_TIMEOUT}'"))
    connection.execute(text(f"LOCK TABLE {OUTBOX_TABLE} IN ACCESS EXCLUSIVE MODE"))
    connection.execute(text(_UNBUNDLE))
    connection.execute(text(f"ALTER TABLE {OUTBOX_TABLE} DROP CONSTRAINT IF EXISTS {OUTBOX_BUNDLE_CHECK}"))
    for name in ("records", "record_count"):
        connection.execute(text(f"ALTER TABLE {OUTBOX_TABLE} DROP COLUMN {name}"))


def _messaging_metadata_v1() -> MetaData:
    metadata = MetaData()
    add_messaging_tables(metadata, version=1)
    return metadata


def _processed_events_age_index() -> Index:
    _, processed_events = add_messaging_tables(MetaData(), version=2)
    return next(index for index in processed_events.indexes if index.name == PROCESSED_EVENTS_AGE_INDEX)
