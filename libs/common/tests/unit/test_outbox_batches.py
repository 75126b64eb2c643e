"""Which outbox rows count as relayed when some Kafka batches fail or were never submitted."""

from __future__ import annotations

import asyncio

from switchyard.common.messaging.outbox_batches import SentBatch
from switchyard.common.messaging.outbox_store import OutboxRow
from switchyard.common.messaging.record_batches import Parcel


def _rows(count: int) -> list[OutboxRow]:
    return [OutboxRow(n, "t", f"k{n}", "{}", []) for n in range(1, count + 1)]


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
    assert await SentBatch(rows, [ok_a, ok_b, ok_a, ok_b], complete=True).acknowledged() == rows


async def test_rows_stop_at_the_first_row_whose_batch_failed_even_if_later_batches_arrived():
    ok, failed = _parcel(None), _parcel(RuntimeError("broker gone"))
    rows = _rows(5)
    # Row 3 travelled in the failed batch: rows 4 and 5 stay in the outbox (sent again later).
    assert await SentBatch(rows, [ok, ok, failed, ok, failed], complete=True).acknowledged() == rows[:2]


async def test_rows_stop_at_the_first_row_never_submitted():
    ok, unsent = _parcel(None), _parcel("unsent")
    rows = _rows(3)
    assert await SentBatch(rows, [ok, unsent, ok], complete=False).acknowledged() == rows[:1]
