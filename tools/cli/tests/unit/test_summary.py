"""The summary: exit codes, derived duration and rate, and what the tables show."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rich.console import Console
from rich.table import Table

from switchyard.cli.models import ImportRead, RowError
from switchyard.cli.summary import duration_s, errors_table, exit_code, rows_per_s, summary_table

DONE = ImportRead(
    id="0b7c",
    status="completed",
    total=1000,
    processed=1000,
    succeeded=1000,
    failed=0,
    started_at="2025-01-01T10:00:00+00:00",
    finished_at="2025-01-01T10:00:20+00:00",
)


def render(table: Table) -> str:
    console = Console(record=True, width=160, force_terminal=False)
    console.print(table)
    return console.export_text()


@pytest.mark.parametrize(
    ("status", "failed", "code"),
    [("completed", 0, 0), ("completed", 3, 1), ("failed", 0, 1), ("cancelled", 0, 1), ("failed", 7, 1)],
)
def test_exit_code(status: str, failed: int, code: int) -> None:
    assert exit_code(replace(DONE, status=status, failed=failed)) == code


def test_rate_is_derived_when_the_server_gives_none() -> None:
    assert duration_s(DONE) == 20.0
    assert rows_per_s(DONE) == 50.0
    assert rows_per_s(replace(DONE, rows_per_s=123.5)) == 123.5
    assert duration_s(replace(DONE, finished_at=None)) is None
    assert rows_per_s(replace(DONE, started_at="garbage")) is None


def test_summary_table_shows_counts_and_the_failure_reason() -> None:
    job = replace(DONE, status="failed", failed=12, succeeded=988, error="header has no email column")

    text = render(summary_table(job))

    assert "failed" in text
    assert "988" in text
    assert "12" in text
    assert "0:00:20" in text
    assert "header has no email column" in text


def test_errors_table_keeps_brackets_in_messages_literal() -> None:
    errors = [
        RowError(row_number=4, column="username", code="invalid", message="must match [a-z0-9_.-]{3,32}"),
        RowError(row_number=9, column=None, code="duplicate", message="email already used on row 2"),
    ]

    text = render(errors_table(errors, failed=50))

    assert "first 2 of 50" in text
    assert "[a-z0-9_.-]{3,32}" in text
    assert "email already used on row 2" in text
