"""The outbox migration of bundles (messaging tables v3) undone with bundles waiting: no event is
lost or reordered, and the relay of the release before reads every one as a row of its own."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from switchyard.common.contracts import UserDeleted, decode_envelope, decode_event
from switchyard.common.db import SqlAlchemyUnitOfWork, asyncpg_dsn
from switchyard.common.db.migrations import add_outbox_bundles_v3, drop_outbox_bundles_v3

pytestmark = pytest.mark.integration

UowFactory = Callable[[], SqlAlchemyUnitOfWork]


async def _commit(uow_factory: UowFactory, count: int) -> list[UserDeleted]:
    events = [UserDeleted(user_id=uuid.uuid4()) for _ in range(count)]
    async with uow_factory() as uow:
        for event in events:
            uow.add_event(event)
        await uow.commit()
    return events


async def test_undoing_it_turns_waiting_bundles_into_rows_in_the_order_written(
    uow_factory: UowFactory, messaging_engine: AsyncEngine, messaging_database_url: str
):
    written = [
        *await _commit(uow_factory, 1),
        *await _commit(uow_factory, 3),
        *await _commit(uow_factory, 1),
        *await _commit(uow_factory, 2),
    ]

    async with messaging_engine.begin() as connection:
        await connection.run_sync(drop_outbox_bundles_v3)

    connection = await asyncpg.connect(asyncpg_dsn(messaging_database_url))
    try:
        # What the relay of the release before bundles reads.
        rows = await connection.fetch("SELECT id, event_type, topic, key, payload FROM outbox ORDER BY id")
        attributes = await connection.fetch(
            "SELECT attname FROM pg_attribute"
            " WHERE attrelid = 'outbox'::regclass AND attnum > 0 AND NOT attisdropped"
        )
        columns = {r["attname"] for r in attributes}
    finally:
        await connection.close()
    assert [decode_event(decode_envelope(row["payload"])) for row in rows] == written
    assert {(row["event_type"], row["topic"]) for row in rows} == {(UserDeleted.TYPE, UserDeleted.TOPIC)}
    assert [row["key"] for row in rows] == [str(event.user_id) for event in written]
    assert not {"records", "record_count"} & columns

    # And done again: bundles are written as before.
    async with messaging_engine.begin() as connection:
        await connection.run_sync(add_outbox_bundles_v3)
    await _commit(uow_factory, 2)
    connection = await asyncpg.connect(asyncpg_dsn(messaging_database_url))
    try:
        assert await connection.fetchval("SELECT count(*) FROM outbox WHERE record_count = 2") == 1
        with pytest.raises(asyncpg.CheckViolationError):
            await connection.execute(
                "INSERT INTO outbox (event_id, event_type, event_version, topic, key, payload, records)"
                " VALUES (gen_random_uuid(), 't', 1, 't', 'k', '', '[]')"
            )
    finally:
        await connection.close()
