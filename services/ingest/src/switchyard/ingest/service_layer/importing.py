"""The importer: reads queued files batch by batch, refuses bad rows, sends good ones to auth.

One replica imports a file at a time, holding a PostgreSQL advisory lock for it (released by
the database the moment the process dies, so a restarted or other replica resumes at once).
Each batch is sent, acknowledged by Kafka, then checkpointed (``rows_read``) with its row
errors, counts and the identities its rows claimed (duplicate detection) in one transaction;
after a crash the importer reads its claims back into memory (a bounded filter) and sends from
the checkpoint on. A batch sent but not checkpointed is sent again, as the same events: auth
applies it once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

import structlog
from aiokafka.errors import KafkaError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from switchyard.common.messaging.failures import is_infrastructure_error
from switchyard.ingest.adapters.csv_source import Record, header_of, read_records
from switchyard.ingest.adapters.row_sender import RowSender
from switchyard.ingest.adapters.storage import UploadStorage
from switchyard.ingest.domain.columns import Columns, resolve_columns
from switchyard.ingest.domain.fingerprints import ClaimFilter
from switchyard.ingest.domain.model import ImportJob, ImportStatus
from switchyard.ingest.domain.rows import DuplicateCheck, RowError, ValidRow, check_row
from switchyard.ingest.service_layer.completion import complete_if_done, finish
from switchyard.ingest.service_layer.unit_of_work import IngestUnitOfWork
from switchyard.ingest.settings import IngestSettings

log = structlog.get_logger()

_RETRY_S = 1.0


class Stopped(Exception):
    """The process is stopping: leave the import where its last checkpoint put it."""


class LostImport(Exception):
    """The import was deleted, or another importer moved its checkpoint: leave it, take the next."""


@dataclass(slots=True)
class Batch:
    valid: list[ValidRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    last_row: int = 0
    exhausted: bool = False
    # (fingerprint, row number) of the identities the batch's accepted rows took.
    claims: list[tuple[int, int]] = field(default_factory=list)
    # The valid rows' fingerprints, until duplicates are refused (Importer._refuse_duplicates).
    duplicate_check: DuplicateCheck | None = None


class RowReader:
    """The file's records checked in order, handed out a batch at a time (from a worker thread).

    Each row is checked on its own here; duplicates across rows are the importer's, which knows
    what earlier batches claimed (:meth:`Importer._refuse_duplicates`).
    """

    def __init__(self, records: Iterator[Record], columns: Columns, *, resume_after: int) -> None:
        self._records = records
        self._columns = columns
        self._resume_after = resume_after

    def next_batch(self, size: int) -> Batch:
        batch = Batch()
        for record in self._records:
            if record.row_number <= self._resume_after:
                continue  # done before the restart
            checked = self._check(record)
            batch.last_row = record.row_number
            if isinstance(checked, RowError):
                batch.errors.append(checked)
            else:
                batch.valid.append(checked)
            if len(batch.valid) + len(batch.errors) >= size:
                break
        else:
            batch.exhausted = True
        batch.duplicate_check = DuplicateCheck(batch.valid)
        return batch

    def _check(self, record: Record) -> ValidRow | RowError:
        if record.unreadable is not None:
            return RowError(record.row_number, None, "unreadable", record.unreadable)
        return check_row(record.row_number, record.cells, self._columns)


class Importer:
    def __init__(
        self,
        *,
        settings: IngestSettings,
        uow: Callable[[], IngestUnitOfWork],
        engine: AsyncEngine,
        storage: UploadStorage,
        sender: RowSender,
        clock: Callable[[], datetime],
    ) -> None:
        self._settings = settings
        self._uow = uow
        self._engine = engine
        self._storage = storage
        self._sender = sender
        self._clock = clock
        self.wake = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Import queued files until ``stop`` is set."""
        while not stop.is_set():
            self.wake.clear()
            try:
                worked = await self._import_one(stop)
            except Stopped:
                return
            except Exception as exc:
                log.error(
                    "importer failed; retrying", error=repr(exc), exc_info=not is_infrastructure_error(exc)
                )
                worked = False
            if not worked:
                await self._fail_unanswered()
                await _first_of(stop, self.wake, within=self._settings.idle_poll_s)

    async def _import_one(self, stop: asyncio.Event) -> bool:
        async with self._uow() as uow:
            candidates = await uow.imports.active_ids()
        for import_id in candidates:
            async with self._lease(import_id) as held:
                if held:
                    await self._import(import_id, stop)
                    return True
        return False

    @contextlib.asynccontextmanager
    async def _lease(self, import_id: UUID) -> AsyncIterator[bool]:
        key = int.from_bytes(import_id.bytes[:8], "big", signed=True)
        async with self._engine.connect() as connection:
            held = bool(await connection.scalar(select(func.pg_try_advisory_lock(key))))
            await connection.commit()
            try:
                yield held
            finally:
                if held:
                    await connection.scalar(select(func.pg_advisory_unlock(key)))
                    await connection.commit()

    async def _import(self, import_id: UUID, stop: asyncio.Event) -> None:
        try:
            job = await self._prepare(import_id)
            if job is not None and job.status is ImportStatus.PROCESSING:
                await self._send_rows(job, stop)
        except LostImport as exc:
            log.warning("import left to others", import_id=str(import_id), reason=str(exc))
        except (Stopped, asyncio.CancelledError):
            raise
        except Exception as exc:
            if is_infrastructure_error(exc):
                raise
            log.exception("import failed", import_id=str(import_id))
            await self._fail(import_id, "The import failed unexpectedly; upload the file again.")

    async def _prepare(self, import_id: UUID) -> ImportJob | None:
        """Count the rows (status validating) once, then move to processing."""
        async with self._uow() as uow:
            job = await uow.imports.get(import_id, for_update=True)
            if job is None or job.status.finished:
                return None
            if not self._storage.path_of(job.id).exists():
                finish(job, ImportStatus.FAILED, uow, self._storage, self._clock(), error="The file is gone.")
                await uow.imports.save(job)
                await uow.commit()
                return None
            if job.status is ImportStatus.QUEUED:
                job.status, job.started_at = ImportStatus.VALIDATING, self._clock()
                await uow.imports.save(job)
                await uow.commit()
        if job.total is None:
            path = self._storage.path_of(job.id)
            total = await asyncio.to_thread(lambda: sum(1 for _ in read_records(path)))
            async with self._uow() as uow:
                fresh = await uow.imports.get(import_id, for_update=True)
                if fresh is None or fresh.status.finished:
                    return None
                job = fresh
                job.total, job.status = total, ImportStatus.PROCESSING
                await uow.imports.save(job)
                await uow.commit()
        return job

    async def _send_rows(self, job: ImportJob, stop: asyncio.Event) -> None:
        path = self._storage.path_of(job.id)
        columns = resolve_columns(header_of(path), job.mapping)
        reader = RowReader(read_records(path), columns, resume_after=job.rows_read)
        exhausted = job.file_done
        claimed = ClaimFilter() if exhausted else await self._claim_filter(job)
        # Where this importer left the checkpoint; the database must still say so when it moves it.
        checkpoint = job.rows_read
        while not exhausted:
            batch = await asyncio.to_thread(reader.next_batch, self._settings.batch_rows)
            job = await self._wait_for_room(job, stop)
            if job.status is not ImportStatus.PROCESSING:
                return  # cancelled: rows already sent finish, no more are sent
            if not await self._refuse_duplicates(job.id, batch, claimed, checkpoint=checkpoint):
                return  # cancelled meanwhile
            if batch.valid and not job.dry_run:
                await self._send(job, batch.valid, stop)
            job = await self._checkpoint(job.id, batch, expected=checkpoint)
            checkpoint = job.rows_read
            exhausted = batch.exhausted
        if job.status.finished:
            log.info("import finished", import_id=str(job.id), status=job.status.value)

    async def _claim_filter(self, job: ImportJob) -> ClaimFilter:
        """A filter sized for the file, holding what the rows before the checkpoint claimed."""
        claimed = ClaimFilter(2 * (job.total or 0))
        if job.rows_read:
            async with (
                self._uow() as uow,
                contextlib.aclosing(uow.imports.claimed_fingerprints(job.id)) as chunks,
            ):
                async for chunk in chunks:
                    claimed.update(chunk)
        return claimed

    async def _refuse_duplicates(
        self, import_id: UUID, batch: Batch, claimed: ClaimFilter, *, checkpoint: int
    ) -> bool:
        """Move the batch's rows repeating an identity an accepted row took to its errors.

        Only the fingerprints the filter cannot rule out are looked up among the import's claims,
        under the import's row lock and only while its checkpoint is still this importer's: the
        claims are then exactly those of the rows before the batch (another importer that took the
        import over could have added some, or read the file to the end and let them be pruned).
        The batch's own claims enter the filter now and the database with the checkpoint. False
        when the import was cancelled (or failed) meanwhile: its claims may be gone already.
        """
        check = batch.duplicate_check
        if check is None or not check.rows:
            return True
        earlier: dict[int, int] = {}
        if candidates := list(dict.fromkeys(check.candidates(claimed))):
            async with self._uow() as uow:
                job = await uow.imports.get(import_id, for_update=True)
                if job is None:
                    raise LostImport("deleted")
                if job.rows_read != checkpoint:
                    raise LostImport(
                        f"checkpoint moved from {checkpoint} to {job.rows_read} by another importer"
                    )
                if job.status is not ImportStatus.PROCESSING:
                    return False
                earlier = await uow.imports.claimed(import_id, candidates)
        claims = check.claims(earlier)
        claimed.update(fp for fp, _row in claims.taken)
        batch.valid, batch.claims, batch.duplicate_check = claims.accepted, claims.taken, None
        batch.errors += claims.duplicates
        return True

    async def _wait_for_room(self, job: ImportJob, stop: asyncio.Event) -> ImportJob:
        """Backpressure: at most ``max_rows_in_flight`` rows sent and not yet answered by auth."""
        while True:
            if stop.is_set():
                raise Stopped
            async with self._uow() as uow:
                fresh = await uow.imports.get(job.id)
            if fresh is None:
                raise LostImport("deleted")
            unanswered = fresh.rows_sent - fresh.created - fresh.rejected
            if fresh.dry_run or fresh.status is not ImportStatus.PROCESSING:
                return fresh
            if unanswered < self._settings.max_rows_in_flight:
                return fresh
            last_heard = fresh.answered_at or fresh.started_at
            now = self._clock()
            if (
                last_heard is not None
                and (now - last_heard).total_seconds() > self._settings.answer_timeout_s
            ):
                await self._fail_if_still_unanswered(fresh.id, now)
                raise LostImport("failed: answers stopped")
            await _first_of(stop, asyncio.Event(), within=0.1)

    async def _send(self, job: ImportJob, rows: list[ValidRow], stop: asyncio.Event) -> None:
        while True:
            try:
                await self._sender.send(job.id, rows, notify=job.notify)
                return
            except (KafkaError, OSError) as exc:
                log.warning("sending rows failed; retrying", import_id=str(job.id), error=repr(exc))
            if await _first_of(stop, asyncio.Event(), within=_RETRY_S):
                raise Stopped

    async def _checkpoint(self, import_id: UUID, batch: Batch, *, expected: int) -> ImportJob:
        """Store the batch's errors and counts and move the checkpoint from ``expected`` past the batch.

        A checkpoint found elsewhere means another importer holds this import (our lock's database
        connection was cut): the batch is left to it, uncounted, as the rows it sent are the same
        events as ours.
        """
        async with self._uow() as uow:
            job = await uow.imports.get(import_id, for_update=True)
            if job is None:
                raise LostImport("deleted")
            if job.rows_read != expected:
                raise LostImport(f"checkpoint moved from {expected} to {job.rows_read} by another importer")
            await uow.imports.add_errors(job.id, batch.errors)
            await uow.imports.take_claims(job.id, batch.claims)
            job.rows_read = max(job.rows_read, batch.last_row)
            job.rows_sent += len(batch.valid)
            job.invalid += len(batch.errors)
            if batch.exhausted:
                job.file_done = True
                if job.total is None or job.total != job.rows_sent + job.invalid:
                    job.total = job.rows_sent + job.invalid
                await complete_if_done(job, uow, self._storage, self._clock())
            await uow.imports.save(job)
            await uow.commit()
        return job

    async def _fail_unanswered(self) -> None:
        """Fail read imports whose answers stopped coming (a row auth could not apply, say)."""
        try:
            now = self._clock()
            async with self._uow() as uow:
                silent = await uow.imports.unanswered_since(
                    now - timedelta(seconds=self._settings.answer_timeout_s)
                )
            for import_id in silent:
                await self._fail_if_still_unanswered(import_id, now)
        except Exception as exc:
            log.warning("checking for unanswered imports failed", error=repr(exc))

    async def _fail_if_still_unanswered(self, import_id: UUID, now: datetime) -> None:
        async with self._uow() as uow:
            job = await uow.imports.get(import_id, for_update=True)
            if job is None or job.status is not ImportStatus.PROCESSING or job.answered_all():
                return
            missing = job.rows_sent - job.created - job.rejected
            error = (
                f"No answer from auth for {self._settings.answer_timeout_s:.0f} s: {missing:,} of the "
                f"{job.rows_sent:,} rows sent are unanswered (look in auth's dead-letter topic). "
                "Upload the file again to import what is missing."
            )
            finish(job, ImportStatus.FAILED, uow, self._storage, now, error=error)
            await uow.imports.save(job)
            await uow.commit()
        log.warning("import failed: answers stopped", import_id=str(import_id), unanswered=missing)

    async def _fail(self, import_id: UUID, error: str) -> None:
        async with self._uow() as uow:
            job = await uow.imports.get(import_id, for_update=True)
            if job is not None and not job.status.finished:
                finish(job, ImportStatus.FAILED, uow, self._storage, self._clock(), error=error)
                await uow.imports.save(job)
                await uow.commit()


async def _first_of(stop: asyncio.Event, wake: asyncio.Event, *, within: float) -> bool:
    """Wait until ``stop`` or ``wake`` is set or ``within`` seconds pass; True when stopping."""
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waiters, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
    return stop.is_set()
