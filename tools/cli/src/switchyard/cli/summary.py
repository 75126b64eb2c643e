"""The end of an import: its summary, its first row errors, and the exit code it earns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.table import Table
from rich.text import Text

from switchyard.cli.models import ImportRead, RowError
from switchyard.cli.progress import format_duration

EXIT_OK = 0
EXIT_ROWS_FAILED = 1
EXIT_ERROR = 2

STATUS_STYLES = {"completed": "green", "failed": "red", "cancelled": "yellow"}


def exit_code(job: ImportRead) -> int:
    """0 for a completed import without rejected rows, 1 for rejected rows or a job that did not complete."""
    if job.status == "completed" and job.failed == 0:
        return EXIT_OK
    return EXIT_ROWS_FAILED


def duration_s(job: ImportRead) -> float | None:
    if not job.started_at or not job.finished_at:
        return None
    try:
        started = datetime.fromisoformat(job.started_at)
        finished = datetime.fromisoformat(job.finished_at)
    except ValueError:
        return None
    return max((finished - started).total_seconds(), 0.0)


def rows_per_s(job: ImportRead) -> float | None:
    """The server's rate when it gives one, else processed rows over the run time."""
    if job.rows_per_s is not None:
        return job.rows_per_s
    seconds = duration_s(job)
    return job.processed / seconds if seconds else None


def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def summary_table(job: ImportRead) -> Table:
    rate = rows_per_s(job)
    seconds = duration_s(job)
    title = f"Import {job.id}" + (" (dry run)" if job.dry_run else "")
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", justify="right")
    table.add_row("status", Text(job.status, style=STATUS_STYLES.get(job.status, "")))
    table.add_row("total", _count(job.total))
    table.add_row("succeeded", _count(job.succeeded))
    table.add_row("failed", Text(_count(job.failed), style="red" if job.failed else ""))
    table.add_row("duration", format_duration(seconds) if seconds is not None else "-")
    table.add_row("rows/s", f"{rate:,.0f}" if rate is not None else "-")
    if job.error:
        table.add_row("error", Text(job.error, style="red"))
    return table


def errors_table(errors: Sequence[RowError], *, failed: int) -> Table:
    shown = f"first {len(errors)} of {failed:,}" if failed > len(errors) else f"{len(errors)}"
    table = Table(title=f"Rejected rows ({shown})", title_justify="left")
    table.add_column("row", justify="right")
    table.add_column("column")
    table.add_column("code", style="yellow")
    table.add_column("message")
    for error in errors:
        # Text, not markup: messages quote user data and patterns such as [a-z0-9_.-].
        table.add_row(str(error.row_number), Text(error.column or "-"), Text(error.code), Text(error.message))
    return table
