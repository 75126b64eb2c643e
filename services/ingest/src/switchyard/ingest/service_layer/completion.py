"""Ending an import: its final status, the import-completed event, and the file removed afterwards."""

from __future__ import annotations

from datetime import datetime, timedelta

from switchyard.common.contracts import ImportCompleted
from switchyard.ingest.adapters.storage import UploadStorage
from switchyard.ingest.domain.model import ImportJob, ImportStatus
from switchyard.ingest.service_layer.unit_of_work import IngestUnitOfWork


async def complete_if_done(
    job: ImportJob, uow: IngestUnitOfWork, storage: UploadStorage, now: datetime
) -> bool:
    """Complete ``job`` once the whole file is read and every row sent has its answer."""
    if job.status is not ImportStatus.PROCESSING or not job.file_done:
        return False
    if not job.dry_run and not job.answered_all():
        return False
    finish(job, ImportStatus.COMPLETED, uow, storage, now)
    return True


def answers_done(job: ImportJob, now: datetime, answers_window: timedelta) -> bool:
    """No answer can count any more: one that comes now is a repeat, or too late to be anything else.

    A completed import had every row of its file sent and answered. A cancelled or failed one may
    still have a batch that was sent but not yet counted (the importer adds it to ``rows_sent``
    after Kafka's acks), whose answers count, until ``answers_window`` after it ended: by then no
    copy of a command or answer of it is left in a topic (the processed-events retention, which
    outlasts them). Its answer records are then deleted (adapters.pruning.answer_records).
    """
    if job.dry_run or not job.status.finished:
        return False
    if job.status is ImportStatus.COMPLETED:
        return True
    return job.finished_at is not None and job.finished_at < now - answers_window


def finish(
    job: ImportJob,
    status: ImportStatus,
    uow: IngestUnitOfWork,
    storage: UploadStorage,
    now: datetime,
    *,
    error: str | None = None,
) -> None:
    """Set the final status (caller saves and commits); the uploader hears of a real import's end."""
    job.status, job.finished_at, job.error = status, now, error
    if job.total is None:
        job.total = job.rows_sent + job.invalid
    if status is ImportStatus.COMPLETED and not job.dry_run:
        uow.add_event(
            ImportCompleted(
                import_id=job.id,
                uploaded_by=job.uploaded_by,
                total=job.total,
                succeeded=job.succeeded,
                failed=job.failed,
            )
        )
    import_id = job.id

    async def remove_file() -> None:
        await storage.delete(import_id)

    uow.after_commit(remove_file)
