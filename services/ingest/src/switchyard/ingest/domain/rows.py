"""Checking one data row of an import file (pure): a row to send, or why not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from switchyard.common.identities import (
    InvalidIdentity,
    normalize_email,
    normalize_full_name,
    normalize_role,
    normalize_username,
)
from switchyard.ingest.domain.columns import Columns
from switchyard.ingest.domain.fingerprints import FingerprintSet

# A cell longer than this is refused without further checks (no field allows more).
MAX_CELL_CHARS = 1000


@dataclass(frozen=True, slots=True)
class ValidRow:
    row_number: int
    email: str
    username: str
    full_name: str | None
    role: str


# Cells quoted back in a row error are cut to this length.
MAX_QUOTED_CHARS = 200
# The code of a row naming a person an earlier row of the file named.
DUPLICATE = "duplicate"


@dataclass(frozen=True, slots=True)
class RowError:
    row_number: int
    column: str | None
    code: str
    message: str
    # The offending cell as uploaded (cut short), so the uploader can find and fix it.
    value: str | None = None


class SeenIdentities:
    """Emails and usernames of the rows accepted so far, to refuse a second row about the same person.

    Kept as 64-bit fingerprints (``hash`` of the value) in a flat array, 16-32 bytes a row, so a
    file of millions of rows stays flat in memory (a false "duplicate" needs two values to share
    64 bits). The set is rebuilt from the file when an import resumes, so per-process hash seeds
    do not matter. ``expected`` (rows) sizes it up front.
    """

    def __init__(self, expected: int = 0) -> None:
        self._seen = FingerprintSet(2 * expected)

    def claim(self, row: ValidRow) -> RowError | None:
        email, username = hash(("email", row.email)), hash(("username", row.username))
        if email in self._seen:
            message = "This email appears on an earlier row."
            return RowError(row.row_number, "email", DUPLICATE, message, quoted_identity(row.email))
        if username in self._seen:
            message = "This username appears on an earlier row."
            return RowError(row.row_number, "username", DUPLICATE, message, quoted_identity(row.username))
        self._seen.add(email)
        self._seen.add(username)
        return None


def check_row(row_number: int, cells: Sequence[str], columns: Columns) -> ValidRow | RowError:
    """Shape, then each field by the account rules, first problem wins."""
    if len(cells) != columns.width:
        message = f"Expected {columns.width} cells as in the header, found {len(cells)}."
        return RowError(row_number, None, "wrong-cell-count", message)
    for cell in cells:
        if len(cell) > MAX_CELL_CHARS:
            return RowError(
                row_number, None, "cell-too-long", f"A cell is longer than {MAX_CELL_CHARS} characters."
            )
        if not is_utf8_text(cell):
            return RowError(row_number, None, "invalid-encoding", "The row is not valid UTF-8.")
    try:
        email = _required(cells[columns.email], "email")
        username = _required(cells[columns.username], "username")
        return ValidRow(
            row_number=row_number,
            email=normalize_email(email),
            username=normalize_username(username),
            full_name=normalize_full_name(_optional(cells, columns.full_name)),
            role=normalize_role(_optional(cells, columns.role)),
        )
    except InvalidIdentity as exc:
        code = "missing" if str(exc).endswith("is required.") else "invalid"
        index = getattr(columns, exc.field)
        value = None if index is None else _quoted(cells[index])
        return RowError(row_number, exc.field, code, str(exc), value)


def quoted_identity(identity: str) -> str:
    """How a duplicate row quotes the (valid, normalised) email or username an earlier row had."""
    return identity[:MAX_QUOTED_CHARS]


def _quoted(cell: str) -> str:
    # PostgreSQL text cannot hold NUL: shown as U+FFFD, the rest of the cell as uploaded.
    return cell[:MAX_QUOTED_CHARS].replace("\x00", "\ufffd")


def _required(value: str, field: str) -> str:
    if not value.strip():
        raise InvalidIdentity(field, f"The {field} is required.")
    return value


def _optional(cells: Sequence[str], index: int | None) -> str | None:
    return None if index is None else cells[index]


def is_utf8_text(cell: str) -> bool:
    """False when the cell holds bytes that were not UTF-8 (read as lone surrogates, which cannot
    be encoded back)."""
    if cell.isascii():
        return True
    try:
        cell.encode()
    except UnicodeEncodeError:
        return False
    return True
