"""Progress: one event to one bar state, and following a stream that may drop."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace

from switchyard.cli.api import StreamInterrupted
from switchyard.cli.models import ImportRead
from switchyard.cli.progress import RECONNECTS, bar_state, follow, format_duration, poll

RUNNING = ImportRead(
    id="j1", status="processing", total=200, processed=50, percent=25.0, rows_per_s=1234.4, eta_s=3725
)
DONE = replace(RUNNING, status="completed", processed=200, succeeded=200, percent=100.0, eta_s=None)


def test_bar_state_from_a_progress_event() -> None:
    state = bar_state(RUNNING)

    assert (state.description, state.total, state.completed) == ("processing", 200.0, 50.0)
    assert (state.percent, state.rate, state.eta) == (" 25.0%", "1,234 rows/s", "1:02:05")


def test_bar_state_before_the_total_is_known() -> None:
    state = bar_state(ImportRead(id="j1", status="validating"))

    assert state.total is None
    assert (state.percent, state.rate, state.eta) == ("  ?  %", "- rows/s", "-:--:--")


def test_bar_state_computes_percent_and_ends_at_zero_eta() -> None:
    assert bar_state(replace(RUNNING, percent=None)).percent == " 25.0%"
    assert bar_state(DONE).eta == "0:00:00"
    assert format_duration(59.6) == "0:01:00"


class FakeSource:
    """Plays scripted connections: each a list of (event id, job), ending in a drop or a clean close."""

    def __init__(
        self, connections: list[tuple[list[tuple[str, ImportRead]], bool]], polls: list[ImportRead]
    ) -> None:
        self.connections = connections
        self.polls = polls
        self.last_event_ids: list[str | None] = []
        self.polled = 0

    def events(
        self, job_id: str, last_event_id: str | None = None
    ) -> Generator[tuple[str, ImportRead], None, None]:
        self.last_event_ids.append(last_event_id)
        events, drops = self.connections.pop(0) if self.connections else ([], True)
        yield from events
        if drops:
            raise StreamInterrupted("connection reset")

    def get_import(self, job_id: str) -> ImportRead:
        self.polled += 1
        return self.polls.pop(0)


def test_follow_ends_on_the_terminal_event() -> None:
    source = FakeSource([([("1", RUNNING), ("2", DONE)], False)], polls=[])
    seen: list[ImportRead] = []

    final = follow(source, "j1", seen.append, sleep=lambda _: None)

    assert final == DONE
    assert seen == [RUNNING, DONE]
    assert source.polled == 0


def test_follow_reconnects_with_the_last_event_id() -> None:
    source = FakeSource([([("1", RUNNING)], True), ([], True), ([("3", DONE)], False)], polls=[])
    sleeps: list[float] = []

    final = follow(source, "j1", lambda _: None, sleep=sleeps.append)

    assert final == DONE
    assert source.last_event_ids == [None, "1", "1"]
    assert sleeps == [1.0, 2.0]


def test_follow_falls_back_to_polling_when_the_stream_keeps_failing() -> None:
    source = FakeSource([], polls=[RUNNING, DONE])
    sleeps: list[float] = []

    final = follow(source, "j1", lambda _: None, sleep=sleeps.append)

    assert final == DONE
    assert len(source.last_event_ids) == RECONNECTS + 1
    assert source.polled == 2
    assert sleeps == [1.0, 2.0, 3.0, 1.0]


def test_poll_until_terminal() -> None:
    source = FakeSource([], polls=[RUNNING, RUNNING, DONE])
    sleeps: list[float] = []

    final = poll(source, "j1", lambda _: None, interval=0.5, sleep=sleeps.append)

    assert final == DONE
    assert sleeps == [0.5, 0.5]
