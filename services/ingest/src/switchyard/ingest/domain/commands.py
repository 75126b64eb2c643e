"""Commands the ingest service carries out."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, slots=True)
class RecordOnboardedUser:
    user_id: UUID
    email: str


@dataclass(frozen=True, slots=True)
class ForgetUser:
    """Right to erasure: drop what ingest recorded about the user."""

    user_id: UUID


@dataclass(frozen=True, slots=True)
class ImportOptions:
    dry_run: bool = False
    notify: bool = True
    force: bool = False
    # File column -> field, for files whose header uses other names.
    mapping: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class RecordRowAnswers:
    """Auth's answers to rows of one import: (row_number, created?, error or None)."""

    import_id: UUID
    answers: list[RowAnswer]


@dataclass(frozen=True, slots=True)
class RowAnswer:
    row_number: int
    created: bool
    column: str | None = None
    code: str | None = None
    message: str | None = None
