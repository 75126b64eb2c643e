"""Row errors as a CSV download: formula-leading cells escaped, every page streamed in order."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest

from switchyard.ingest.entrypoints.http.error_export import HEADER, csv_lines, escape_cell, export_rows


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_would_run_gets_a_quote(lead):
    assert escape_cell(f"{lead}SUM(A1:A9)") == f"'{lead}SUM(A1:A9)"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("ann@example.com", "ann@example.com"),
        ("a=b", "a=b"),
        (" =1+1", " =1+1"),
        ("'=1+1", "'=1+1"),
        ("\n=1", "\n=1"),
        ("", ""),
        (None, ""),
        (42, "42"),
        (-1, "'-1"),
    ],
)
def test_other_cells_are_left_alone(value, text):
    assert escape_cell(value) == text


def test_lines_are_csv_with_crlf_and_escaped_cells():
    text = csv_lines([(3, "username", "=cmd|' /C calc'!A0", "invalid", 'Say "no", twice\nplease')])

    assert text.endswith("\r\n")
    assert list(csv.reader(io.StringIO(text))) == [
        ["3", "username", "'=cmd|' /C calc'!A0", "invalid", 'Say "no", twice\nplease']
    ]


def _error(row_number: int, error_id: int, value: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(
        id=error_id,
        row_number=row_number,
        column_name="email",
        value=value,
        code="invalid",
        message="Not a valid email address.",
    )


async def test_the_export_streams_every_page_after_a_bom_and_the_header():
    pages = {
        None: [_error(2, 10, "@x"), _error(2, 11)],
        (2, 11): [_error(5, 3, "+1")],
        (5, 3): [],
    }
    asked: list[tuple[int, int] | None] = []

    async def fetch(after: tuple[int, int] | None) -> list[SimpleNamespace]:
        asked.append(after)
        return pages[after]

    chunks = [chunk async for chunk in export_rows(fetch)]

    assert asked == [None, (2, 11), (5, 3)]
    assert chunks[0].startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert rows == [
        list(HEADER),
        ["2", "email", "'@x", "invalid", "Not a valid email address."],
        ["2", "email", "", "invalid", "Not a valid email address."],
        ["5", "email", "'+1", "invalid", "Not a valid email address."],
    ]


async def test_an_import_without_errors_exports_the_header_alone():
    async def fetch(after: tuple[int, int] | None) -> list[SimpleNamespace]:
        return []

    chunks = [chunk async for chunk in export_rows(fetch)]

    assert b"".join(chunks) == b"\xef\xbb\xbfrow_number,column,value,code,message\r\n"
