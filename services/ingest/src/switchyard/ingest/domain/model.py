"""Imports and the people onboarded through them, as ingest sees them (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


@dataclass(frozen=True, slots=True)
class OnboardedUser:
    user_id: UUID
    email: str
    username: str | None = None


class ImportStatus(StrEnum):
    QUEUED = "queued"
    # Reading the file once to count its rows (and, for a dry run, checking every row).
    VALIDATING = "validating"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in FINISHED


FINISHED = frozenset({ImportStatus.COMPLETED, ImportStatus.FAILED, ImportStatus.CANCELLED})
ACTIVE = frozenset({ImportStatus.QUEUED, ImportStatus.VALIDATING, ImportStatus.PROCESSING})


@dataclass(slots=True)
class ImportJob:
    """One uploaded file and how far its import got.

    ``rows_read`` is the checkpoint: rows up to it are validated, their errors stored and the
    valid ones sent. ``rows_sent`` of them went to auth; ``created`` and ``rejected`` count
    auth's answers; ``invalid`` counts rows refused here.
    """

    id: UUID
    uploaded_by: UUID
    filename: str
    content_sha256: str
    size_bytes: int
    dry_run: bool
    notify: bool
    mapping: dict[str, str] | None
    status: ImportStatus
    created_at: datetime
    total: int | None = None
    rows_read: int = 0
    rows_sent: int = 0
    invalid: int = 0
    created: int = 0
    rejected: int = 0
    file_done: bool = False
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    # When auth's last answer was counted: an import whose answers stop is failed after a while.
    answered_at: datetime | None = None

    @property
    def processed(self) -> int:
        return self.invalid + self.created + self.rejected

    @property
    def succeeded(self) -> int:
        # A dry run creates nothing: its valid rows are the ones that would succeed.
        return self.rows_sent if self.dry_run else self.created

    @property
    def failed(self) -> int:
        return self.invalid + self.rejected

    def progress(self, now: datetime) -> Progress:
        # rows_read is a row number (the checkpoint), not a count; a dry run's rows are done once checked.
        processed = self.rows_sent + self.invalid if self.dry_run else self.processed
        percent = None if not self.total else min(100.0, round(100.0 * processed / self.total, 2))
        if self.status is ImportStatus.COMPLETED:
            percent = 100.0
        elapsed = ((self.finished_at or now) - self.started_at).total_seconds() if self.started_at else 0.0
        rate = processed / elapsed if elapsed > 0 and processed else None
        eta = None
        if rate and self.total is not None and not self.status.finished:
            eta = max(self.total - processed, 0) / rate
        return Progress(processed=processed, percent=percent, rows_per_s=rate, eta_s=eta)

    def answered_all(self) -> bool:
        """Every row sent has its answer from auth."""
        return self.created + self.rejected >= self.rows_sent


@dataclass(frozen=True, slots=True)
class Progress:
    processed: int
    percent: float | None
    rows_per_s: float | None
    eta_s: float | None
