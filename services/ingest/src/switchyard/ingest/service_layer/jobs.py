"""Reading and cancelling imports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from switchyard.ingest.adapters.storage import UploadStorage
from switchyard.ingest.domain.errors import ImportFinished, ImportNotFound
from switchyard.ingest.domain.model import ImportJob, ImportStatus
from switchyard.ingest.service_layer.completion import finish
from switchyard.ingest.service_layer.unit_of_work import IngestUnitOfWork


async def get_import(import_id: UUID, uow: IngestUnitOfWork) -> ImportJob:
    async with uow:
        job = await uow.imports.get(import_id)
    if job is None:
        raise ImportNotFound
    return job


async def list_imports(
    uow: IngestUnitOfWork, *, before: tuple[datetime, UUID] | None, limit: int
) -> list[ImportJob]:
    async with uow:
        return await uow.imports.page(before=before, limit=limit)


async def list_errors(
    import_id: UUID, uow: IngestUnitOfWork, *, after: tuple[int, int] | None, limit: int
) -> list[Any]:
    async with uow:
        if await uow.imports.get(import_id) is None:
            raise ImportNotFound
        return await uow.imports.errors_page(import_id, after=after, limit=limit)


async def cancel_import(
    import_id: UUID, uow: IngestUnitOfWork, storage: UploadStorage, clock: Callable[[], datetime]
) -> ImportJob:
    """No more rows are sent; rows already sent still get their answers counted."""
    async with uow:
        job = await uow.imports.get(import_id, for_update=True)
        if job is None:
            raise ImportNotFound
        if job.status.finished:
            raise ImportFinished(job.status.value)
        finish(job, ImportStatus.CANCELLED, uow, storage, clock())
        await uow.imports.save(job)
        await uow.commit()
    return job
