"""What the imports API answers with."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from switchyard.ingest.domain.model import ImportJob


class ImportRead(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    status: str
    filename: str
    dry_run: bool
    notify: bool
    total: int | None
    processed: int
    succeeded: int
    failed: int
    percent: float | None
    rows_per_s: float | None
    eta_s: float | None
    error: str | None
    size_bytes: int
    uploaded_by: UUID
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, job: ImportJob, now: datetime) -> ImportRead:
        progress = job.progress(now)
        return cls(
            id=job.id,
            status=job.status.value,
            filename=job.filename,
            dry_run=job.dry_run,
            notify=job.notify,
            total=job.total,
            processed=progress.processed,
            succeeded=job.succeeded,
            failed=job.failed,
            percent=progress.percent,
            rows_per_s=None if progress.rows_per_s is None else round(progress.rows_per_s, 1),
            eta_s=None if progress.eta_s is None else round(progress.eta_s, 1),
            error=job.error,
            size_bytes=job.size_bytes,
            uploaded_by=job.uploaded_by,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


class ImportPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ImportRead]
    next_cursor: str | None


class RowErrorRead(msgspec.Struct, frozen=True, kw_only=True):
    row_number: int
    column: str | None
    code: str
    message: str
    value: str | None


class RowErrorPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[RowErrorRead]
    next_cursor: str | None
