"""BulkInsert against a real PostgreSQL: column arrays in, rows out, in order, with conflicts skipped."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError

from switchyard.common.db import SqlAlchemyUnitOfWork
from switchyard.common.db.bulk import BulkInsert
from switchyard.common.db.tables import OUTBOX, PROCESSED_EVENTS

pytestmark = pytest.mark.integration

UowFactory = Callable[[], SqlAlchemyUnitOfWork]


async def test_rows_arrive_with_their_types_and_the_first_of_a_clash_wins(
    uow_factory: UowFactory, effects_table: Table
):
    first, second = uuid.uuid4(), uuid.uuid4()
    insert = BulkInsert(effects_table, ("event_id", "note"), skip_conflicts=True, returning=("event_id",))
    async with uow_factory() as uow:
        written = await insert.returned(uow.session, [(first, "one"), (second, "two"), (first, "again")])
        await uow.commit()
    assert written == [first, second]
    # Returned ids are usable as uuid.UUID keys (sets and dicts of the caller).
    assert {first, second} == set(written)
    async with uow_factory() as uow:
        rows = (await uow.session.execute(select(effects_table).order_by(effects_table.c.note))).all()
    assert [(row.event_id, row.note) for row in rows] == [(first, "one"), (second, "two")]

    async with uow_factory() as uow:
        assert await insert.returned(uow.session, [(first, "later"), (uuid.uuid4(), "new")]) != []
        assert await insert.returned(uow.session, [(first, "later")]) == []
        assert await insert.returned(uow.session, []) == []


async def test_json_text_and_integers_and_server_defaults(uow_factory: UowFactory):
    event_id = uuid.uuid4()
    insert = BulkInsert(
        OUTBOX, ("event_id", "event_type", "event_version", "topic", "key", "payload", "headers")
    )
    started = datetime.now(UTC)
    async with uow_factory() as uow:
        await insert.run(
            uow.session, [(event_id, "t.happened", 2, "t", "k", '{"a":1}', '{"traceparent":"x"}')]
        )
        await uow.commit()
    async with uow_factory() as uow:
        row = (await uow.session.execute(select(OUTBOX))).one()
    assert (row.event_id, row.event_version, row.payload) == (event_id, 2, '{"a":1}')
    assert row.headers == {"traceparent": "x"}
    assert row.id >= 1
    assert row.created_at >= started.replace(microsecond=0)


async def test_a_row_of_the_wrong_width_is_refused_before_anything_is_sent(uow_factory: UowFactory):
    insert = BulkInsert(PROCESSED_EVENTS, ("consumer", "event_id"))
    async with uow_factory() as uow:
        with pytest.raises(ValueError, match="expected 2"):
            await insert.run(uow.session, [("c", uuid.uuid4(), "extra")])
        with pytest.raises(ValueError, match="shorter"):
            await insert.run(uow.session, [("c", uuid.uuid4()), ("c",)])


async def test_a_value_shared_by_the_whole_batch_is_sent_once_and_lands_in_every_row(
    uow_factory: UowFactory, effects_table: Table
):
    ids = [uuid.uuid4() for _ in range(3)]
    insert = BulkInsert(effects_table, ("event_id", "note"), returning=("event_id",))
    async with uow_factory() as uow:
        # Same note in every row: sent once, as a scalar.
        assert await insert.returned(uow.session, [(i, "same") for i in ids]) == ids
        await uow.commit()
    async with uow_factory() as uow:
        rows = (await uow.session.execute(select(effects_table.c.event_id, effects_table.c.note))).all()
    assert sorted(rows) == sorted((i, "same") for i in ids)
    assert insert._statements.keys() == {(False, True)}


async def test_identical_rows_stay_as_many_rows(uow_factory: UowFactory):
    insert = BulkInsert(PROCESSED_EVENTS, ("consumer", "event_id"))
    twice = uuid.uuid4()
    async with uow_factory() as uow:
        with pytest.raises(IntegrityError):
            # Both rows are sent (the key refuses the second): none folded into one.
            await insert.run(uow.session, [("c", twice), ("c", twice)])
