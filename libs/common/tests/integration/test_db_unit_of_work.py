"""The unit of work against a real PostgreSQL: atomicity, outbox rows, processed records."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import asyncpg
import pytest
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import Table, func, insert, select

from switchyard.common.contracts import UserDeleted, decode_envelope, decode_event
from switchyard.common.db import OUTBOX_CHANNEL, SqlAlchemyUnitOfWork, asyncpg_dsn
from switchyard.common.db.outbox_bundles import BUNDLE_TOPIC, decode_bundle
from switchyard.common.db.tables import OUTBOX

pytestmark = pytest.mark.integration

UowFactory = Callable[[], SqlAlchemyUnitOfWork]


async def _count(uow_factory: UowFactory, table: Table) -> int:
    async with uow_factory() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(table))).scalar_one())


async def test_commit_writes_state_and_event_together(uow_factory: UowFactory, effects_table: Table):

    event = UserDeleted(user_id=uuid.uuid4())
    async with uow_factory() as uow:
        await uow.session.execute(insert(effects_table).values(event_id=uuid.uuid4(), note="state"))
        envelope = uow.add_event(event)
        await uow.commit()

    async with uow_factory() as uow:
        row = (await uow.session.execute(select(OUTBOX))).one()
    assert (row.event_id, row.event_type, row.event_version) == (envelope.id, event.TYPE, event.VERSION)
    assert (row.topic, row.key) == (event.TOPIC, str(event.user_id))
    assert decode_event(decode_envelope(row.payload)) == event
    assert await _count(uow_factory, effects_table) == 1


async def test_the_events_of_a_commit_are_one_bundle_row_in_the_order_they_were_added(
    uow_factory: UowFactory,
):
    events = [UserDeleted(user_id=uuid.uuid4()) for _ in range(3)]
    async with uow_factory() as uow:
        envelopes = [uow.add_event(event) for event in events]
        await uow.commit()

    async with uow_factory() as uow:
        row = (await uow.session.execute(select(OUTBOX))).one()
    assert (row.topic, row.record_count, row.event_id) == (BUNDLE_TOPIC, 3, envelopes[0].id)
    bundled = decode_bundle(row.records)
    assert [(r.id, r.topic, r.key) for r in bundled] == [
        (str(e.id), UserDeleted.TOPIC, str(event.user_id)) for e, event in zip(envelopes, events, strict=True)
    ]
    assert [decode_event(decode_envelope(bytes(r.payload))) for r in bundled] == events


async def test_events_added_under_different_traces_are_rows_of_their_own(uow_factory: UowFactory):
    tracer = TracerProvider().get_tracer("test")
    async with uow_factory() as uow:
        for _ in range(2):
            with tracer.start_as_current_span("request"):
                uow.add_event(UserDeleted(user_id=uuid.uuid4()))
        await uow.commit()

    async with uow_factory() as uow:
        rows = (await uow.session.execute(select(OUTBOX.c.topic, OUTBOX.c.records))).all()
    assert [(topic, records) for topic, records in rows] == [(UserDeleted.TOPIC, None)] * 2


async def test_leaving_without_commit_rolls_back_state_and_events(
    uow_factory: UowFactory, effects_table: Table
):

    async with uow_factory() as uow:
        await uow.session.execute(insert(effects_table).values(event_id=uuid.uuid4(), note="lost"))
        uow.add_event(UserDeleted(user_id=uuid.uuid4()))

    async def fail_midway() -> None:
        async with uow_factory() as uow:
            uow.add_event(UserDeleted(user_id=uuid.uuid4()))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await fail_midway()

    assert await _count(uow_factory, effects_table) == 0
    assert await _count(uow_factory, OUTBOX) == 0


async def test_mark_processed_is_true_once_per_consumer(uow_factory: UowFactory):
    event_id = uuid.uuid4()
    results = []
    for consumer in ("users.a", "users.a", "users.b"):
        async with uow_factory() as uow:
            results.append(await uow.mark_processed(event_id, consumer))
            await uow.commit()

    assert results == [True, False, True]


async def test_add_event_captures_the_current_trace_context(uow_factory: UowFactory):
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("register") as span:
        async with uow_factory() as uow:
            uow.add_event(UserDeleted(user_id=uuid.uuid4()))
            await uow.commit()

    async with uow_factory() as uow:
        headers = (await uow.session.execute(select(OUTBOX.c.headers))).scalar_one()
    trace_id = format(span.get_span_context().trace_id, "032x")
    assert headers["traceparent"].split("-")[1] == trace_id


async def test_commit_with_events_notifies_the_relay_channel(
    uow_factory: UowFactory, messaging_database_url: str
):
    listener = await asyncpg.connect(asyncpg_dsn(messaging_database_url))
    woken = asyncio.Event()
    await listener.add_listener(OUTBOX_CHANNEL, lambda *_: woken.set())
    try:
        async with uow_factory() as uow:
            uow.add_event(UserDeleted(user_id=uuid.uuid4()))
            await asyncio.sleep(0.2)
            assert not woken.is_set(), "notified before commit"
            await uow.commit()
        await asyncio.wait_for(woken.wait(), 5)
    finally:
        await listener.close()
