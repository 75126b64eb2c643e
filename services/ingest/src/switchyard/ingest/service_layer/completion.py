"""Ending an import: its final status, the import-completed event, and the file removed afterwards."""

from __future__ import annotations

from datetime import datetime

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
    await finish(job, ImportStatus.COMPLETED, uow, storage, now)
    return True


def answers_done(job: ImportJob) -> bool:
    """The import is over and every row it sent has its answer: any answer now is one repeated."""
    return job.status.finished and not job.dry_run and job.answered_all()


async def forget_answers_if_done(job: ImportJob, uow: IngestUnitOfWork) -> None:
    """Drop the per-row answer records once :func:`answers_done`: they only served to count each row
    once, and would otherwise stay, a row per row of every file ever imported."""
    if answers_done(job):
        await uow.imports.forget_answers(job.id)


async def finish(
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
    await forget_answers_if_done(job, uow)
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
