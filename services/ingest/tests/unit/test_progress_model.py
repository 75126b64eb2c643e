"""An import's counts and progress (percent, rows/s, ETA), following it as it changes, and when its
answers are all in."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from switchyard.ingest.domain.model import ImportJob, ImportStatus, Progress
from switchyard.ingest.service_layer.completion import answers_done
from switchyard.ingest.service_layer.progress import follow_import

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _job(**values: Any) -> ImportJob:
    base = ImportJob(
        id=uuid.uuid4(),
        uploaded_by=uuid.uuid4(),
        filename="people.csv",
        content_sha256="0" * 64,
        size_bytes=100,
        dry_run=False,
        notify=True,
        mapping=None,
        status=ImportStatus.QUEUED,
        created_at=NOW - timedelta(minutes=1),
    )
    return replace(base, **values)


def test_a_queued_import_has_no_progress_yet():
    job = _job()

    assert job.progress(NOW) == Progress(processed=0, percent=None, rows_per_s=None, eta_s=None)
    assert (job.succeeded, job.failed) == (0, 0)


def test_a_running_import_counts_answers_and_refused_rows():
    job = _job(
        status=ImportStatus.PROCESSING,
        total=100,
        rows_read=61,
        rows_sent=55,
        invalid=5,
        created=30,
        rejected=5,
        started_at=NOW - timedelta(seconds=10),
    )

    assert job.progress(NOW) == Progress(processed=40, percent=40.0, rows_per_s=4.0, eta_s=15.0)
    assert (job.processed, job.succeeded, job.failed) == (40, 30, 10)
    assert not job.answered_all()


def test_rows_sent_but_unanswered_are_not_processed():
    job = _job(status=ImportStatus.PROCESSING, total=3, rows_sent=3, started_at=NOW - timedelta(seconds=1))

    assert job.progress(NOW) == Progress(processed=0, percent=0.0, rows_per_s=None, eta_s=None)


def test_percent_is_rounded_and_never_over_100():
    job = _job(status=ImportStatus.PROCESSING, total=3, invalid=1)
    assert job.progress(NOW).percent == 33.33

    # Capped, whatever the counts say.
    over = _job(status=ImportStatus.PROCESSING, total=2, created=3, rows_sent=3)
    assert over.progress(NOW).percent == 100.0


def test_a_completed_import_is_100_percent_with_its_rate_over_its_run_and_no_eta():
    job = _job(
        status=ImportStatus.COMPLETED,
        total=10,
        rows_sent=8,
        invalid=2,
        created=7,
        rejected=1,
        file_done=True,
        started_at=NOW - timedelta(seconds=30),
        finished_at=NOW - timedelta(seconds=25),
    )

    assert job.progress(NOW) == Progress(processed=10, percent=100.0, rows_per_s=2.0, eta_s=None)
    assert (job.succeeded, job.failed) == (7, 3)
    assert job.answered_all()


def test_a_cancelled_import_has_no_eta():
    job = _job(
        status=ImportStatus.CANCELLED,
        total=100,
        rows_sent=20,
        created=10,
        started_at=NOW - timedelta(seconds=10),
        finished_at=NOW - timedelta(seconds=5),
    )

    assert job.progress(NOW) == Progress(processed=10, percent=10.0, rows_per_s=2.0, eta_s=None)


def test_a_dry_run_counts_checked_rows_not_the_row_number_reached():
    # Rows 2..13 of a file with two blank lines: rows_read is the last row *number*, 13.
    job = _job(
        dry_run=True,
        status=ImportStatus.COMPLETED,
        total=10,
        rows_read=13,
        rows_sent=7,
        invalid=3,
        file_done=True,
        started_at=NOW - timedelta(seconds=2),
        finished_at=NOW - timedelta(seconds=1),
    )

    progress = job.progress(NOW)

    assert (progress.processed, progress.percent) == (10, 100.0)
    assert (job.succeeded, job.failed) == (7, 3)


def test_a_dry_run_in_progress():
    job = _job(
        dry_run=True,
        status=ImportStatus.VALIDATING,
        total=200,
        rows_read=51,
        rows_sent=45,
        invalid=5,
        started_at=NOW - timedelta(seconds=5),
    )

    assert job.progress(NOW) == Progress(processed=50, percent=25.0, rows_per_s=10.0, eta_s=15.0)


def test_an_empty_total_has_no_percent():
    assert _job(status=ImportStatus.PROCESSING, total=0).progress(NOW).percent is None


@pytest.mark.parametrize("status", list(ImportStatus))
def test_finished_statuses(status):
    assert status.finished is (
        status in {ImportStatus.COMPLETED, ImportStatus.FAILED, ImportStatus.CANCELLED}
    )


class _Imports:
    def __init__(self, states: Sequence[ImportJob | None]) -> None:
        self.states = states
        self.reads = 0

    async def get(self, import_id: uuid.UUID) -> ImportJob | None:
        state = self.states[min(self.reads, len(self.states) - 1)]
        self.reads += 1
        return state


class _Uow:
    def __init__(self, imports: _Imports) -> None:
        self.imports = imports

    async def __aenter__(self) -> _Uow:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


async def _follow(states: Sequence[ImportJob | None], *, heartbeat_s: float = 60.0) -> list[ImportJob | None]:
    imports = _Imports(states)
    # Only ``imports.get`` of the unit of work is used.
    uow = cast("Any", lambda: _Uow(imports))
    return [
        update async for update in follow_import(uuid.uuid4(), uow, interval_s=0.001, heartbeat_s=heartbeat_s)
    ]


async def test_following_yields_each_change_once_and_ends_with_the_import():
    queued = _job()
    running = replace(queued, status=ImportStatus.PROCESSING, total=3)
    answered = replace(running, created=2)
    done = replace(answered, created=3, status=ImportStatus.COMPLETED)

    updates = await _follow([queued, queued, running, running, running, answered, done])

    assert updates == [queued, running, answered, done]


async def test_following_a_finished_import_yields_it_once():
    done = _job(status=ImportStatus.FAILED, error="The file is gone.")

    assert await _follow([done]) == [done]


async def test_following_an_import_that_disappears_ends():
    running = _job(status=ImportStatus.PROCESSING)

    assert await _follow([running, None]) == [running]
    assert await _follow([None]) == []


async def test_following_a_quiet_import_sends_heartbeats():
    running = _job(status=ImportStatus.PROCESSING, total=1)
    done = replace(running, status=ImportStatus.COMPLETED, created=1)

    updates = await _follow([running] * 8 + [done], heartbeat_s=0.003)

    assert updates[0] == running
    assert updates[-1] == done
    assert updates[1:-1]
    assert all(update is None for update in updates[1:-1])


WINDOW = timedelta(days=35)
ENDED_LONG_AGO = NOW - WINDOW - timedelta(seconds=1)


@pytest.mark.parametrize(
    ("values", "done"),
    [
        ({"status": ImportStatus.COMPLETED, "rows_sent": 3, "created": 3, "finished_at": NOW}, True),
        # Cancelled with every counted row answered: a batch sent but not yet counted may still answer...
        ({"status": ImportStatus.CANCELLED, "rows_sent": 3, "created": 3, "finished_at": NOW}, False),
        ({"status": ImportStatus.FAILED, "rows_sent": 3, "created": 3, "finished_at": NOW}, False),
        ({"status": ImportStatus.CANCELLED, "finished_at": NOW - WINDOW}, False),
        # ...until no command or answer of it can be left in a topic.
        ({"status": ImportStatus.CANCELLED, "rows_sent": 3, "finished_at": ENDED_LONG_AGO}, True),
        ({"status": ImportStatus.FAILED, "rows_sent": 3, "finished_at": ENDED_LONG_AGO}, True),
        ({"status": ImportStatus.PROCESSING, "rows_sent": 3, "created": 3}, False),
        ({"status": ImportStatus.PROCESSING, "rows_sent": 3, "started_at": ENDED_LONG_AGO}, False),
        ({"status": ImportStatus.COMPLETED, "dry_run": True, "rows_sent": 3, "finished_at": NOW}, False),
    ],
)
def test_which_imports_take_an_answer_as_a_repeat(values: dict[str, Any], done: bool):
    assert answers_done(_job(**values), NOW, WINDOW) is done
