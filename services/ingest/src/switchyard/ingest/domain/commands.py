"""Commands the ingest service carries out."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, slots=True)
class RecordOnboardedUser:
    """A person an import onboarded: auth created their account from one of its rows."""

    user_id: UUID
    email: str
    # None in answers from an auth that did not name it yet.
    username: str | None = None


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
    """Auth's answers to rows of one import: each row created (and whose account) or why not."""

    import_id: UUID
    answers: list[RowAnswer]


@dataclass(frozen=True, slots=True)
class RowAnswer:
    row_number: int
    created: bool
    # The account a created row became, as auth names it.
    account_id: UUID | None = None
    email: str | None = None
    username: str | None = None
    column: str | None = None
    code: str | None = None
    message: str | None = None
