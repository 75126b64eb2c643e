"""Deleting rows that serve nothing any more, a bounded batch a transaction, in the background.

Each service process runs one :class:`Pruner` (switchyard.common.runtime builds it): at start and
then every ``PRUNE_INTERVAL_S`` it applies its rules in turn. A rule names a table
and the condition under which a row of it may go; the pruner deletes the matching rows
``PRUNE_BATCH`` at a time, each batch a transaction of its own (no lock held for
long, the WAL written in steps; a batch cancelled at shutdown rolls back whole). One replica prunes
at a time: each batch takes a transaction-level advisory lock with ``pg_try_advisory_xact_lock``,
and a replica that finds it taken ends its round. A round that fails (the database away) is logged
and the next one tries again. Every service has the processed-events rule
(:func:`processed_events_rule`); auth adds its expired sessions and one-time tokens, ingest the
answer records of imports that take no more answers.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from prometheus_client import Counter
from sqlalchemy import (
    Column,
    ColumnElement,
    Interval,
    Select,
    Table,
    any_,
    bindparam,
    cast,
    delete,
    func,
    literal,
    literal_column,
    select,
    text,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ColumnClause

from switchyard.common.db.tables import PROCESSED_EVENTS

log = structlog.get_logger()

ROWS_PRUNED = Counter(
    "switchyard_rows_pruned", "Rows deleted after their retention, by rule.", ["service", "rule"]
)

# Same in every service (each has a database of its own); two-number space, like the erasure lock.
PRUNE_LOCK_KEY = (0x5357_5045, 1)

_TRY_LOCK = text("SELECT pg_try_advisory_xact_lock(:space, :key)").bindparams(
    space=PRUNE_LOCK_KEY[0], key=PRUNE_LOCK_KEY[1]
)


class PruneRule(ABC):
    """Which rows of a table may go; ``name`` labels the metric and the log line."""

    name: str

    @abstractmethod
    async def delete_batch(self, connection: AsyncConnection, *, batch: int, after: Any) -> tuple[int, Any]:
        """Delete up to ``batch`` rows that may go, from ``after`` on (None: the start); how many went
        and where the next batch starts."""


@dataclass(frozen=True, slots=True)
class AgeRule(PruneRule):
    """The rows whose ``age`` column is more than ``keep`` in the past, oldest first.

    Give that column a B-tree index. Each batch starts at the age the one before ended at, so it
    does not read again the index entries and rows the earlier ones deleted (dead until vacuumed).
    """

    name: str
    age: Column[Any]
    keep: timedelta

    async def delete_batch(self, connection: AsyncConnection, *, batch: int, after: Any) -> tuple[int, Any]:
        params = {"keep": self.keep, "batch": batch} | ({} if after is None else {"after": after})
        count, last = (await connection.execute(self.statement(first=after is None), params)).one()
        return int(count), last

    def statement(self, *, first: bool = False) -> Select[int, Any]:
        """Found by age (from ``:after`` on, unless ``first``), deleted by physical address (``ctid``,
        a TID scan: no second index probe); the count and the last age deleted."""
        table, age = self.age.table, self.age
        ctid: ColumnClause[Any] = literal_column("ctid")
        found = select(ctid).select_from(table).where(age < func.now() - cast(bindparam("keep"), Interval))
        if not first:
            found = found.where(age >= bindparam("after", type_=age.type))
        due = found.order_by(age).limit(bindparam("batch")).scalar_subquery()
        deleted = delete(table).where(ctid == any_(func.array(due))).returning(age).cte("deleted")
        return select(func.count(), func.max(deleted.c[age.name])).select_from(deleted)


@dataclass(frozen=True, slots=True)
class WhereRule(PruneRule):
    """The rows of ``table`` for which ``due`` holds (an expression over its columns), in primary-key
    order: each batch starts after the key the one before ended at, so it does not read again the
    rows (dead until vacuumed) the earlier ones deleted."""

    name: str
    table: Table
    due: ColumnElement[bool]

    async def delete_batch(self, connection: AsyncConnection, *, batch: int, after: Any) -> tuple[int, Any]:
        key = list(self.table.primary_key.columns)
        ctid: ColumnClause[Any] = literal_column("ctid")
        found = select(ctid).select_from(self.table).where(self.due)
        if after is not None:
            found = found.where(
                tuple_(*key) > tuple_(*(literal(v, c.type) for v, c in zip(after, key, strict=True)))
            )
        due = found.order_by(*key).limit(batch).scalar_subquery()
        deleted = delete(self.table).where(ctid == any_(func.array(due))).returning(*key).cte("deleted")
        # The count, and the last key deleted (none when nothing was).
        last = select(func.count().over(), *deleted.c).order_by(*(c.desc() for c in deleted.c)).limit(1)
        row = (await connection.execute(last)).first()
        return (0, None) if row is None else (int(row[0]), tuple(row[1:]))


def processed_events_rule(retention: timedelta) -> AgeRule:
    """Consumers' records of the events they applied, kept ``retention``.

    A record makes a copy of its event delivered again change nothing. A copy can only come while the
    event is in a topic: its own (a redelivery, an offset reset), then a dead-letter topic, then its
    own again (a replay republishes it for every consumer group). Past the sum of those retentions
    the record guards nothing and would only grow the table, a row per event for good.
    """
    return AgeRule("processed-events", PROCESSED_EVENTS.c.processed_at, retention)


class Pruner:
    """Applies its rules once at start and then every ``interval_s`` (``run``, a background task)."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        service: str,
        rules: Sequence[PruneRule],
        interval_s: float,
        batch: int,
    ) -> None:
        self._engine = engine
        self._service = service
        self._rules = list(rules)
        self._interval_s = interval_s
        self._batch = batch

    def add(self, *rules: PruneRule) -> None:
        """More rules (a service's own tables); call before the app starts."""
        self._rules += rules

    async def run(self, stop: asyncio.Event) -> None:
        """Prune now, then every ``interval_s``, until ``stop`` is set; a failed round is logged and
        the next one tries again (the database may be down for a while)."""
        while not stop.is_set():
            try:
                pruned = await self.prune(stop)
                if any(pruned.values()):
                    log.info("rows pruned", service=self._service, **pruned)
            except Exception:
                log.warning("pruning failed; trying again next round", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._interval_s)

    async def prune(self, stop: asyncio.Event | None = None) -> dict[str, int]:
        """Delete every row its rules let go, a batch a transaction (checking ``stop`` between
        them); how many went, by rule. Nothing when another replica is pruning."""
        pruned = dict.fromkeys((rule.name for rule in self._rules), 0)
        for rule in self._rules:
            after: Any = None
            while stop is None or not stop.is_set():
                async with self._engine.begin() as connection:
                    if not (await connection.execute(_TRY_LOCK)).scalar_one():
                        return pruned
                    deleted, after = await rule.delete_batch(connection, batch=self._batch, after=after)
                pruned[rule.name] += deleted
                ROWS_PRUNED.labels(self._service, rule.name).inc(deleted)
                if deleted < self._batch:
                    break
        return pruned
