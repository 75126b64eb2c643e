"""The relay's view of the outbox table, over one dedicated asyncpg connection.

A raw connection because the relay needs session-level features a pooled SQLAlchemy
session would lose: an advisory lock held for as long as it leads, and LISTEN.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import asyncpg
import msgspec

from switchyard.common.db.engine import asyncpg_dsn
from switchyard.common.db.outbox_bundles import BundledRecord, decode_bundle, encode_records
from switchyard.common.db.tables import OUTBOX_CHANNEL, OUTBOX_TABLE

# Same constant in every replica of a service: they share the service's database.
RELAY_LOCK_ID = 0x5357_4F42
# How often a relay that does not lead tries the lock (the longest a takeover waits for it).
LEAD_POLL_S = 0.5


class OutboxRow(msgspec.Struct, frozen=True):
    """One event to relay. The events of a bundle (db/outbox_bundles.py) share their row's ``id``,
    and the row leaves the outbox only once Kafka has every one of them."""

    id: int
    topic: str
    key: str
    payload: bytes
    # As Kafka record headers, content-type included.
    headers: list[tuple[str, bytes]]
    # The event as its bundle holds it; None in a row of one event.
    bundled: BundledRecord | None = None


# The oldest rows past a cursor, as many as hold about ``limit`` events: a row is taken whole, and
# rows stop once the events before them reach the limit (a bundle may hold hundreds).
_UNSENT = f"""
SELECT id, topic, key, payload, headers, records FROM (
    SELECT id, topic, key, payload, headers, records, coalesce(record_count, 1) AS events,
           sum(coalesce(record_count, 1)) OVER (ORDER BY id) AS up_to
    FROM {OUTBOX_TABLE} WHERE id > $2 ORDER BY id LIMIT $1
) AS due WHERE up_to - events < $1 ORDER BY id
"""  # noqa: S608 (constant)


class OutboxConnection:
    """One connection: leadership lock, wake-ups, and the unsent-row queries."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection
        self.wake = asyncio.Event()

    @classmethod
    async def open(cls, database_url: str) -> OutboxConnection:
        return cls(await asyncpg.connect(asyncpg_dsn(database_url)))

    async def close(self) -> None:
        await self._connection.close()

    async def lead(self, *, poll_s: float = LEAD_POLL_S) -> None:
        """Wait for the relay lock of this database; held until this connection closes.

        Tried again every ``poll_s`` rather than waited for in one statement: a statement blocked on
        a lock holds its snapshot, which would keep vacuum from cleaning the database for as long as
        another replica leads, and make a ``CREATE INDEX CONCURRENTLY`` (which waits for every older
        snapshot) wait for ever.
        """
        while True:
            if await self._connection.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK_ID):
                return
            await asyncio.sleep(poll_s)

    async def listen(self) -> None:
        """Set :attr:`wake` whenever a unit of work commits outbox rows."""
        await self._connection.add_listener(OUTBOX_CHANNEL, self._on_notify)

    def _on_notify(self, *_: Any) -> None:
        self.wake.set()

    async def unsent(self, limit: int, *, after: int = 0) -> list[OutboxRow]:
        """The events of the oldest rows with an id above ``after``, in write order (about ``limit``)."""
        records = await self._connection.fetch(_UNSENT, limit, after)
        # The rows of one request share their trace context, so their headers are mostly one text.
        headers: dict[str, list[tuple[str, bytes]]] = {}
        rows = []
        for r in records:
            raw = r["headers"]
            kafka_headers = headers.get(raw) if isinstance(raw, str) else None
            if kafka_headers is None:
                kafka_headers = _kafka_headers(raw)
                if isinstance(raw, str):
                    headers[raw] = kafka_headers
            bundle = r["records"]
            if bundle is None:
                rows.append(OutboxRow(r["id"], r["topic"], r["key"], r["payload"].encode(), kafka_headers))
            else:
                row_id = r["id"]
                rows += (
                    OutboxRow(row_id, event.topic, event.key, bytes(event.payload), kafka_headers, event)
                    for event in decode_bundle(bundle)
                )
        return rows

    async def delete_relayed(self, ids: Sequence[int]) -> None:
        """Kafka acknowledged these rows (every event of each): they leave the outbox."""
        await self._connection.execute(
            f"DELETE FROM {OUTBOX_TABLE} WHERE id = ANY($1::bigint[])",  # noqa: S608
            list(dict.fromkeys(ids)),
        )

    async def keep_unsent(self, row_id: int, rest: Sequence[OutboxRow]) -> None:
        """Kafka acknowledged the start of bundle ``row_id``: the row keeps only ``rest`` (its id, and
        so its place in the order, unchanged), so the events Kafka has do not go again with it."""
        records = [row.bundled for row in rest if row.bundled is not None]
        if len(records) != len(rest) or not records:
            raise ValueError("keep_unsent takes the remaining events of one bundle")
        await self._connection.execute(
            f"UPDATE {OUTBOX_TABLE} SET records = $2, record_count = $3 WHERE id = $1",  # noqa: S608
            row_id,
            encode_records(records),
            len(records),
        )

    async def backlog(self) -> int:
        """Rows waiting, from the id range: a walk to each end of the primary key, not a ``count(*)``.

        Ids are handed out in write order and rows leave in about that order, so ``max - min + 1``
        is the count plus the gaps: ids of writes rolled back, and newer rows relayed while an older
        row's transaction was still open. An upper bound then, and exact in the usual case; a count
        would read every waiting row (and every dead one not yet vacuumed) each time the gauge is
        refreshed, most dearly when the backlog is largest.
        """
        low, high = await self._connection.fetchrow(
            f"SELECT min(id), max(id) FROM {OUTBOX_TABLE}"  # noqa: S608 (constant)
        )
        return 0 if low is None else int(high) - int(low) + 1


_HEADERS = msgspec.json.Decoder(dict[str, str])
CONTENT_TYPE = ("content-type", b"application/json")


def _kafka_headers(raw: str | dict[str, str]) -> list[tuple[str, bytes]]:
    # asyncpg hands jsonb over as text unless a codec is registered.
    decoded = raw if isinstance(raw, dict) else _HEADERS.decode(raw)
    return [*((name, value.encode()) for name, value in decoded.items()), CONTENT_TYPE]
