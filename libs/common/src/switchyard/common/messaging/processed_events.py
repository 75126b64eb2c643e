"""Pruning consumers' processed-events records once no copy of their event can come again.

A consumer records every event it applies (``processed_events``, in the transaction that applies
it), so a copy delivered again changes nothing. A copy can only come while the event is still in
a topic: its own (redelivery, an offset reset) or a dead-letter topic (a replay republishes to the
original topic, where every consumer group sees it again). Past the longest of those retentions the
record guards nothing and would only grow the table, a row per event for good. So each service
process deletes the records older than ``PROCESSED_EVENTS_RETENTION_DAYS`` every
``PROCESSED_EVENTS_PRUNE_INTERVAL_S``, a bounded batch a transaction, found through the table's
BRIN index on ``processed_at``. One replica prunes at a time (a transaction-level advisory lock;
the others skip the round).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from switchyard.common.messaging.metrics import PROCESSED_EVENTS_PRUNED

log = structlog.get_logger()

# Same in every service (each has a database of its own); two-number space, like the erasure lock.
PRUNE_LOCK_KEY = (0x5357_5045, 1)

_TRY_LOCK = text("SELECT pg_try_advisory_xact_lock(:space, :key)").bindparams(
    space=PRUNE_LOCK_KEY[0], key=PRUNE_LOCK_KEY[1]
)
# The batch's rows by their physical address: a TID scan deletes them without a second index probe.
_DELETE_BATCH = text(
    "DELETE FROM processed_events WHERE ctid = ANY(ARRAY("
    " SELECT ctid FROM processed_events"
    " WHERE processed_at < now() - CAST(:retention AS interval) LIMIT :batch))"
)


class ProcessedEventsPruner:
    """Deletes records older than ``retention``; ``run`` is a background task (runtime.background)."""

    def __init__(
        self, engine: AsyncEngine, *, service: str, retention: timedelta, interval_s: float, batch: int
    ) -> None:
        self._engine = engine
        self._service = service
        self._retention = retention
        self._interval_s = interval_s
        self._batch = batch

    async def run(self, stop: asyncio.Event) -> None:
        """Prune now, then every ``interval_s``, until ``stop`` is set; a failed round is logged and
        the next one tries again (the database may be down for a while)."""
        while not stop.is_set():
            try:
                pruned = await self.prune(stop)
            except Exception:
                log.warning("processed-events pruning failed; trying again next round", exc_info=True)
            else:
                if pruned:
                    log.info("processed-events records pruned", pruned=pruned, service=self._service)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._interval_s)

    async def prune(self, stop: asyncio.Event | None = None) -> int:
        """Delete every record past the retention, a batch a transaction (checking ``stop`` between
        them); how many went. Nothing when another replica is pruning."""
        pruned = 0
        while stop is None or not stop.is_set():
            async with self._engine.begin() as connection:
                if not (await connection.execute(_TRY_LOCK)).scalar_one():
                    break
                result = await connection.execute(
                    _DELETE_BATCH, {"retention": self._retention, "batch": self._batch}
                )
            deleted = result.rowcount
            pruned += deleted
            PROCESSED_EVENTS_PRUNED.labels(self._service).inc(deleted)
            if deleted < self._batch:
                break
        return pruned
