"""Pruning on a real database: processed-events records past their retention go, a batch at a time,
by one replica at a time; the rules run in turn; the pruning task outlives a database that is down."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from switchyard.common.db import DatabaseSettings, create_engine
from switchyard.common.db.pruning import PRUNE_LOCK_KEY, AgeRule, Pruner, WhereRule, processed_events_rule
from switchyard.common.db.tables import PROCESSED_EVENTS

pytestmark = pytest.mark.integration

RETENTION = timedelta(days=35)


def _pruner(engine: AsyncEngine, *, service: str, batch: int = 10_000, interval_s: float = 3600.0) -> Pruner:
    return Pruner(
        engine, service=service, rules=[processed_events_rule(RETENTION)], interval_s=interval_s, batch=batch
    )


async def _plant(engine: AsyncEngine, *, consumer: str, ages: list[timedelta]) -> list[uuid.UUID]:
    """One record per age, written that long ago; their event ids."""
    now = datetime.now(UTC)
    ids = [uuid.uuid4() for _ in ages]
    rows = [
        {"consumer": consumer, "event_id": event_id, "processed_at": now - age}
        for event_id, age in zip(ids, ages, strict=True)
    ]
    async with engine.begin() as connection:
        await connection.execute(insert(PROCESSED_EVENTS), rows)
    return ids


async def _left(engine: AsyncEngine) -> set[uuid.UUID]:
    async with engine.connect() as connection:
        return set((await connection.execute(select(PROCESSED_EVENTS.c.event_id))).scalars())


def _pruned_total(service: str, rule: str) -> float:
    labels = {"service": service, "rule": rule}
    return REGISTRY.get_sample_value("switchyard_rows_pruned_total", labels) or 0.0


async def test_records_past_the_retention_go_a_batch_at_a_time_and_younger_ones_stay(
    messaging_engine,
) -> None:
    old = await _plant(messaging_engine, consumer="users.on_a", ages=[timedelta(days=40)] * 4)
    old += await _plant(
        messaging_engine, consumer="users.on_b", ages=[timedelta(days=36), timedelta(days=400)]
    )
    young = await _plant(
        messaging_engine, consumer="users.on_a", ages=[timedelta(days=34), timedelta(hours=1), timedelta(0)]
    )
    service = f"test-{uuid.uuid4().hex[:8]}"

    pruned = await _pruner(messaging_engine, service=service, batch=4).prune()

    assert pruned == {"processed-events": len(old)} == {"processed-events": 6}
    assert await _left(messaging_engine) == set(young)
    assert _pruned_total(service, "processed-events") == 6
    assert await _pruner(messaging_engine, service=service, batch=4).prune() == {"processed-events": 0}


async def test_each_rule_prunes_its_own_table_by_its_own_age(messaging_engine) -> None:
    leases = Table(
        f"leases_{uuid.uuid4().hex[:8]}",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("expires_at", DateTime(timezone=True), nullable=False),
    )
    async with messaging_engine.begin() as connection:
        await connection.run_sync(leases.metadata.create_all)
        now = datetime.now(UTC)
        await connection.execute(
            insert(leases),
            [
                {"id": 2, "expires_at": now - timedelta(days=8)},
                {"id": 3, "expires_at": now - timedelta(days=6)},
                {"id": 4, "expires_at": now - timedelta(days=6)},
            ],
        )
    old = await _plant(messaging_engine, consumer="users.on_a", ages=[timedelta(days=40)])
    young = await _plant(messaging_engine, consumer="users.on_a", ages=[timedelta(days=8)])
    pruner = _pruner(messaging_engine, service=f"test-{uuid.uuid4().hex[:8]}")
    pruner.add(
        AgeRule("expired-leases", leases.c.expires_at, timedelta(days=7)),
        WhereRule("odd-leases", leases, leases.c.id % 2 == 1),
    )

    pruned = await pruner.prune()

    assert pruned == {"processed-events": len(old), "expired-leases": 1, "odd-leases": 1}
    assert await _left(messaging_engine) == set(young)
    async with messaging_engine.connect() as connection:
        assert list((await connection.execute(select(leases.c.id))).scalars()) == [4]


async def test_a_where_rule_goes_through_its_table_by_key_a_batch_at_a_time(messaging_engine) -> None:
    answers = Table(
        f"answers_{uuid.uuid4().hex[:8]}",
        MetaData(),
        Column("job", Integer, primary_key=True),
        Column("row_number", Integer, primary_key=True),
    )
    async with messaging_engine.begin() as connection:
        await connection.run_sync(answers.metadata.create_all)
        await connection.execute(
            insert(answers), [{"job": j, "row_number": r} for j in (1, 2, 3) for r in range(5)]
        )
    pruner = Pruner(
        messaging_engine,
        service="test",
        rules=[WhereRule("done-jobs", answers, answers.c.job.in_([1, 3]))],
        interval_s=3600,
        batch=3,
    )

    assert await pruner.prune() == {"done-jobs": 10}
    async with messaging_engine.connect() as connection:
        left = (await connection.execute(select(answers.c.job, answers.c.row_number))).all()
    assert sorted(left) == [(2, r) for r in range(5)]


async def test_records_of_one_moment_go_whole_across_batches(messaging_engine) -> None:
    # A consumer's batch shares one processed_at; each pruning batch starts where the last ended,
    # at that same moment, so the ones past a batch's end are not skipped.
    async with messaging_engine.begin() as connection:
        moment = datetime.now(UTC) - timedelta(days=40)
        rows = [
            {"consumer": "users.on_a", "event_id": uuid.uuid4(), "processed_at": moment} for _ in range(7)
        ]
        await connection.execute(insert(PROCESSED_EVENTS), rows)

    assert await _pruner(messaging_engine, service="test", batch=3).prune() == {"processed-events": 7}
    assert await _left(messaging_engine) == set()


async def test_the_age_index_serves_the_pruning_statement(messaging_engine) -> None:
    # On a table this small the planner reads it whole or through a bitmap; with those ruled out, the
    # index must be walkable in age order, so a batch stops at its LIMIT without sorting what is due.
    statement = processed_events_rule(RETENTION).statement()
    async with messaging_engine.begin() as connection:
        await connection.execute(text("SET LOCAL enable_seqscan = off"))
        await connection.execute(text("SET LOCAL enable_bitmapscan = off"))
        compiled = statement.compile(dialect=connection.dialect)
        params = compiled.construct_params({"keep": RETENTION, "after": datetime.now(UTC), "batch": 10})
        positional = tuple(params[name] for name in compiled.positiontup or ())
        plan = "\n".join(
            row[0] for row in await connection.exec_driver_sql(f"EXPLAIN {compiled}", positional)
        )
    assert "Index Scan using ix_processed_events_processed_at" in plan, plan
    assert "Sort" not in plan, plan


async def test_a_replica_skips_the_round_while_another_prunes(messaging_engine) -> None:
    old = await _plant(messaging_engine, consumer="users.on_a", ages=[timedelta(days=40)] * 3)
    pruner = _pruner(messaging_engine, service=f"test-{uuid.uuid4().hex[:8]}")

    async with messaging_engine.begin() as other_replica:
        await other_replica.execute(select(func.pg_advisory_xact_lock(*PRUNE_LOCK_KEY)))
        assert await pruner.prune() == {"processed-events": 0}
        assert await _left(messaging_engine) == set(old)

    assert await pruner.prune() == {"processed-events": 3}


async def test_the_task_prunes_when_it_starts_and_again_each_interval(messaging_engine, wait_until) -> None:
    await _plant(messaging_engine, consumer="users.on_a", ages=[timedelta(days=40)])
    stop = asyncio.Event()
    task = asyncio.create_task(_pruner(messaging_engine, service="test", interval_s=0.1).run(stop))
    try:

        async def nothing_left() -> bool:
            return not await _left(messaging_engine)

        await wait_until(nothing_left, within=10)
        await _plant(messaging_engine, consumer="users.on_a", ages=[timedelta(days=40)])
        await wait_until(nothing_left, within=10)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


async def test_a_round_that_fails_does_not_end_the_task(make_database, wait_until) -> None:
    # Rounds fail while the table is missing (as while the database is down); once it is there, the
    # same task prunes it.
    url = await make_database.create()
    engine = create_engine(DatabaseSettings(url=url, pool_size=1))
    stop = asyncio.Event()
    task = asyncio.create_task(_pruner(engine, service="test", interval_s=0.05).run(stop))
    try:
        await asyncio.sleep(0.3)
        assert not task.done()
        async with engine.begin() as connection:
            await connection.run_sync(PROCESSED_EVENTS.metadata.create_all)
        await _plant(engine, consumer="users.on_a", ages=[timedelta(days=40)])

        async def nothing_left() -> bool:
            return not await _left(engine)

        await wait_until(nothing_left, within=10)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
        await engine.dispose()
