"""Telling a CSV file from something else by its first bytes (pure)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from switchyard.ingest.domain.columns import HeaderRejected
from switchyard.ingest.domain.rows import is_utf8_text

CSV_CONTENT_TYPES = frozenset(
    {
        None,
        "text/csv",
        "text/plain",
        "text/x-csv",
        "application/csv",
        # What Windows browsers send for .csv files, and the generic fallback.
        "application/vnd.ms-excel",
        "application/octet-stream",
    }
)
_MAGIC = {
    b"PK\x03\x04": "a ZIP archive (an .xlsx or .ods workbook?)",
    b"\xd0\xcf\x11\xe0": "an Office document (an .xls workbook?)",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "an executable",
}


class NotCsv(Exception):
    """The upload is not a CSV file (a 415)."""


def check_is_csv(head: bytes, content_type: str | None) -> None:
    """Raise NotCsv for declared or recognisable non-CSV content."""
    if content_type not in CSV_CONTENT_TYPES:
        raise NotCsv(f"Expected a CSV file (text/csv), got {content_type}.")
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise NotCsv(f"This file is {what}, not CSV. Export the sheet as CSV (UTF-8) first.")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise NotCsv("This file is UTF-16; save it as CSV (UTF-8).")
    controls = sum(1 for byte in head if byte < 0x09 or 0x0E <= byte < 0x20)
    # A stray NUL in a cell is a row error; a file made of them is not text.
    if head and controls > max(8, len(head) // 100):
        raise NotCsv("This file looks binary, not like CSV text.")


def read_header(head: bytes) -> tuple[list[str], bool]:
    """The header cells and whether any data row follows them; raises HeaderRejected when unusable."""
    text = head.decode("utf-8-sig", errors="surrogateescape")
    if not text.strip():
        raise HeaderRejected("The file is empty.", [{"path": "file", "message": "The file is empty."}])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as exc:
        message = f"The header cannot be read: {exc}."
        raise HeaderRejected(message, [{"path": "header", "message": message}]) from None
    if not all(is_utf8_text(cell) for cell in header):
        message = "The header is not valid UTF-8; save the file as CSV (UTF-8)."
        raise HeaderRejected(message, [{"path": "header", "message": message}])
    return header, _has_rows(reader)


def _has_rows(reader: Iterator[list[str]]) -> bool:
    try:
        return any(any(cell.strip() for cell in row) for row in reader)
    except csv.Error:
        # Something follows the header, if broken: its row error will say what.
        return True
