"""Follow an import until it ends: a live bar fed by server-sent events, or silent polling."""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from switchyard.cli.api import StreamInterrupted
from switchyard.cli.models import ImportRead

RECONNECTS = 3
RECONNECT_DELAY_S = 1.0
FALLBACK_POLL_S = 1.0

OnUpdate = Callable[[ImportRead], None]
Sleep = Callable[[float], None]


class ImportSource(Protocol):
    def get_import(self, job_id: str) -> ImportRead: ...

    def events(
        self, job_id: str, last_event_id: str | None = None
    ) -> Generator[tuple[str, ImportRead], None, None]: ...


@dataclass(frozen=True, slots=True)
class BarState:
    """What the progress bar shows for one state of a job."""

    description: str
    total: float | None
    completed: float
    percent: str
    rate: str
    eta: str


def format_duration(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return "-:--:--"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def bar_state(job: ImportRead) -> BarState:
    """Translate one progress event (an ImportRead) into what the bar shows."""
    percent = job.percent
    if percent is None and job.total:
        percent = 100.0 * job.processed / job.total
    return BarState(
        description=job.status,
        total=float(job.total) if job.total is not None else None,
        completed=float(job.processed),
        percent=f"{percent:5.1f}%" if percent is not None else "  ?  %",
        rate=f"{job.rows_per_s:,.0f} rows/s" if job.rows_per_s is not None else "- rows/s",
        eta="0:00:00" if job.is_terminal else format_duration(job.eta_s),
    )


def poll(
    source: ImportSource, job_id: str, on_update: OnUpdate, *, interval: float, sleep: Sleep
) -> ImportRead:
    """Ask for the job every `interval` seconds until it reaches a terminal status."""
    while True:
        job = source.get_import(job_id)
        on_update(job)
        if job.is_terminal:
            return job
        sleep(interval)


def follow(
    source: ImportSource, job_id: str, on_update: OnUpdate, *, reconnects: int = RECONNECTS, sleep: Sleep
) -> ImportRead:
    """Follow the job's event stream, reconnecting a few times, then fall back to polling."""
    last_event_id: str | None = None
    failures = 0
    while failures <= reconnects:
        received = False
        stream = source.events(job_id, last_event_id)
        try:
            for event_id, job in stream:
                received = True
                last_event_id = event_id or last_event_id
                on_update(job)
                if job.is_terminal:
                    return job
        except StreamInterrupted:
            pass
        finally:
            stream.close()
        # A stream that carried events before it dropped earns a fresh set of retries.
        failures = 1 if received else failures + 1
        if failures <= reconnects:
            sleep(RECONNECT_DELAY_S * failures)
    return poll(source, job_id, on_update, interval=FALLBACK_POLL_S, sleep=sleep)


def live_progress(source: ImportSource, job: ImportRead, console: Console) -> ImportRead:
    """Show a live bar for the job until it ends, and return its final state."""
    if job.is_terminal:
        return job
    columns = (
        TextColumn("[bold]{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[percent]}"),
        TextColumn("{task.fields[rate]:>16}"),
        TextColumn("ETA {task.fields[eta]}"),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(job.status, total=None, percent="", rate="", eta="")

        def update(current: ImportRead) -> None:
            _apply(bar, task, bar_state(current))

        update(job)
        return follow(source, job.id, update, sleep=time.sleep)


def _apply(bar: Progress, task: TaskID, state: BarState) -> None:
    bar.update(
        task,
        description=state.description,
        total=state.total,
        completed=state.completed,
        percent=state.percent,
        rate=state.rate,
        eta=state.eta,
    )
