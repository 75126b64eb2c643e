"""Following an import's progress: a new snapshot whenever its counts move, until it ends.

Polled from the database rather than pushed, so a stream served by any replica follows an
import running on any other; the poll costs one primary-key read per interval per stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from uuid import UUID

from switchyard.ingest.domain.model import ImportJob
from switchyard.ingest.service_layer.unit_of_work import IngestUnitOfWork


def _fingerprint(job: ImportJob) -> tuple[object, ...]:
    return (job.status, job.total, job.rows_read, job.rows_sent, job.invalid, job.created, job.rejected)


async def follow_import(
    import_id: UUID,
    uow: Callable[[], IngestUnitOfWork],
    *,
    interval_s: float,
    heartbeat_s: float,
) -> AsyncIterator[ImportJob | None]:
    """The job now, then each change; ``None`` after ``heartbeat_s`` without one. Ends with the job."""
    last: tuple[object, ...] | None = None
    quiet_s = 0.0
    while True:
        async with uow() as unit:
            job = await unit.imports.get(import_id)
        if job is None:
            return
        if _fingerprint(job) != last:
            last, quiet_s = _fingerprint(job), 0.0
            yield job
        elif quiet_s >= heartbeat_s:
            quiet_s = 0.0
            yield None
        if job.status.finished:
            return
        await asyncio.sleep(interval_s)
        quiet_s += interval_s
