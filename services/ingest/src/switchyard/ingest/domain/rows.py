"""Checking one data row of an import file (pure): a row to send, or why not."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from switchyard.common.identities import (
    InvalidIdentity,
    normalize_email,
    normalize_full_name,
    normalize_role,
    normalize_username,
)
from switchyard.ingest.domain.columns import Columns
from switchyard.ingest.domain.fingerprints import ClaimFilter, fingerprint

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


def identities_of(row: ValidRow) -> tuple[int, int]:
    """The fingerprints of the row's email and username (domain.fingerprints)."""
    return fingerprint("email", row.email), fingerprint("username", row.username)


@dataclass(slots=True)
class Claims:
    """A batch's valid rows checked against each other and against the rows of earlier batches.

    A row naming an email or username an earlier accepted row named is refused as a duplicate (the
    earlier row is named); a refused row claims nothing, so its other identity stays free.
    """

    accepted: list[ValidRow] = field(default_factory=list)
    duplicates: list[RowError] = field(default_factory=list)
    # (fingerprint, row number) of each identity an accepted row took, for the import's record.
    taken: list[tuple[int, int]] = field(default_factory=list)


class DuplicateCheck:
    """The fingerprints of a batch's valid rows; what to look up, then the verdict."""

    def __init__(self, rows: Sequence[ValidRow]) -> None:
        self.rows = rows
        self.fingerprints = [identities_of(row) for row in rows]

    def candidates(self, claimed: ClaimFilter) -> list[int]:
        """Fingerprints an earlier batch may have claimed: only these need looking up."""
        return [fp for pair in self.fingerprints for fp in pair if fp in claimed]

    def claims(self, earlier: Mapping[int, int]) -> Claims:
        """``earlier``: the row number that claimed each of the candidates an earlier batch did claim."""
        taken: dict[int, int] = dict(earlier)
        claims = Claims()
        for row, (email, username) in zip(self.rows, self.fingerprints, strict=True):
            if (first := taken.get(email)) is not None:
                claims.duplicates.append(_duplicate(row, "email", row.email, first))
            elif (first := taken.get(username)) is not None:
                claims.duplicates.append(_duplicate(row, "username", row.username, first))
            else:
                taken[email] = taken[username] = row.row_number
                claims.accepted.append(row)
                claims.taken += ((email, row.row_number), (username, row.row_number))
        return claims


def _duplicate(row: ValidRow, column: str, identity: str, first: int) -> RowError:
    message = f"This {column} appears on row {first} already."
    return RowError(row.row_number, column, DUPLICATE, message, quoted_identity(identity))


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
