"""Which outbox rows count as relayed when some Kafka batches fail or were never submitted."""

from __future__ import annotations

import asyncio

from switchyard.common.messaging.outbox_batches import SentBatch, whole_rows
from switchyard.common.messaging.outbox_store import OutboxRow
from switchyard.common.messaging.record_batches import Parcel


def _rows(count: int) -> list[OutboxRow]:
    return [OutboxRow(n, "t", f"k{n}", b"{}", []) for n in range(1, count + 1)]


async def _whole_rows_acknowledged(batch: SentBatch) -> list[OutboxRow]:
    """What the relay deletes of ``batch``: the whole rows among the events Kafka acknowledged."""
    return whole_rows(batch.rows, len(await batch.acknowledged_events()))


def _parcel(outcome: BaseException | str | None) -> Parcel:
    parcel = Parcel.__new__(Parcel)
    if outcome == "unsent":
        parcel.future = None
        return parcel
    future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(None)
    parcel.future = future
    return parcel


async def test_every_row_counts_when_every_batch_was_acknowledged():
    ok_a, ok_b = _parcel(None), _parcel(None)
    rows = _rows(4)
    assert await _whole_rows_acknowledged(SentBatch(rows, [ok_a, ok_b, ok_a, ok_b], complete=True)) == rows


async def test_rows_stop_at_the_first_row_whose_batch_failed_even_if_later_batches_arrived():
    ok, failed = _parcel(None), _parcel(RuntimeError("broker gone"))
    rows = _rows(5)
    # Row 3 travelled in the failed batch: rows 4 and 5 stay in the outbox (sent again later).
    assert (
        await _whole_rows_acknowledged(SentBatch(rows, [ok, ok, failed, ok, failed], complete=True))
        == rows[:2]
    )


async def test_rows_stop_at_the_first_row_never_submitted():
    ok, unsent = _parcel(None), _parcel("unsent")
    rows = _rows(3)
    assert await _whole_rows_acknowledged(SentBatch(rows, [ok, unsent, ok], complete=False)) == rows[:1]


def _bundled(*sizes: int) -> list[OutboxRow]:
    """Outbox rows of ``sizes`` events each (a size over 1 is a bundle): their events in order."""
    return [
        OutboxRow(row, "t", f"k{row}.{n}", b"{}", [])
        for row, size in enumerate(sizes, 1)
        for n in range(size)
    ]


async def test_a_bundle_counts_only_once_kafka_has_every_one_of_its_events():
    ok, failed = _parcel(None), _parcel(RuntimeError("broker gone"))
    events = _bundled(1, 3, 1)
    # The bundle's last event failed: the bundle stays whole (its first two go again), the row after it too.
    assert (
        await _whole_rows_acknowledged(SentBatch(events, [ok, ok, ok, failed, ok], complete=True))
        == events[:1]
    )
    assert (
        await _whole_rows_acknowledged(SentBatch(events, [ok, ok, ok, ok, failed], complete=True))
        == events[:4]
    )


async def test_a_bundle_partly_submitted_stays_whole():
    ok, unsent = _parcel(None), _parcel("unsent")
    events = _bundled(2, 2)
    assert (
        await _whole_rows_acknowledged(SentBatch(events, [ok, ok, ok, unsent], complete=False)) == events[:2]
    )
    assert whole_rows(events, 3) == events[:2]
    assert whole_rows(events, 4) == events
    assert whole_rows(events, 1) == []
