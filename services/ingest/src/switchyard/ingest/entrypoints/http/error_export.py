"""Row errors as a CSV download, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

HEADER = ("row_number", "column", "value", "code", "message")
# Cells a spreadsheet would run as a formula (OWASP "CSV injection").
_FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> str:
    """``value`` as text, with a leading ``'`` when a spreadsheet would take it for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_LEADS) else text


def csv_lines(rows: Sequence[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([[escape_cell(cell) for cell in row] for row in rows])
    return buffer.getvalue()


async def export_rows(
    fetch: Callable[[tuple[int, int] | None], Awaitable[list[Any]]],
) -> AsyncIterator[bytes]:
    """The header, then every error page by page (``fetch(after)`` returns the next page)."""
    yield ("\ufeff" + csv_lines([HEADER])).encode()
    after: tuple[int, int] | None = None
    while True:
        page = await fetch(after)
        if not page:
            return
        yield csv_lines(
            [(row.row_number, row.column_name, row.value, row.code, row.message) for row in page]
        ).encode()
        after = (page[-1].row_number, page[-1].id)
