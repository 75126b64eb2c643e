"""Reading an import file record by record, flat in memory whatever its size.

Opened as UTF-8 (a BOM skipped) with ``newline=""`` so the csv module sees CRLF, LF and CR
line ends and newlines inside quoted cells as written. Bytes that are not UTF-8 become lone
surrogates (``surrogateescape``): the row holding them is refused, the file goes on.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Record:
    """One record of the file; ``row_number`` counts records, the header being row 1."""

    row_number: int
    cells: list[str]
    # Set when the csv reader could not make cells of it (a cell over its size limit, say).
    unreadable: str | None = None


def read_records(path: Path) -> Iterator[Record]:
    """Every record after the header; blank lines are skipped but keep their number."""
    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as file:
        reader = csv.reader(file)
        row_number = 0
        while True:
            row_number += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if row_number > 1:
                    yield Record(row_number, [], _explain(exc))
                continue
            if row_number == 1 or not any(cells):
                continue
            yield Record(row_number, cells)


def header_of(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as file:
        return next(csv.reader(file), [])


def _explain(exc: csv.Error) -> str:
    message = str(exc)
    if "field limit" in message:
        return f"A cell is longer than {csv.field_size_limit():,} characters."
    return f"The row cannot be read as CSV: {message}."
