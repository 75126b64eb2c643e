"""Import jobs, their row errors and auth's answers, in the ingest database."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, any_, func, literal, literal_column, select, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.common.db.bulk import BulkInsert
from switchyard.ingest.adapters.orm import import_answers, import_claims, import_errors, imports
from switchyard.ingest.domain.model import ACTIVE, ImportJob, ImportStatus
from switchyard.ingest.domain.rows import DUPLICATE, RowError

CREATED, REJECTED = 1, 2
_JOB_FIELDS = [f.name for f in fields(ImportJob)]
_ADD_ERRORS = BulkInsert(
    import_errors, ("import_id", "row_number", "column_name", "code", "message", "value")
)
# The fingerprint first: the first column sets the rows, and the import's id goes once (db.bulk).
# A clash can only be an email and a username of one row sharing a fingerprint (2^-64): one is kept.
_TAKE_CLAIMS = BulkInsert(import_claims, ("fingerprint", "row_number", "import_id"), skip_conflicts=True)
# Fingerprints read back a chunk at a time when an import resumes.
_CLAIMS_CHUNK = 50_000
_RECORD_ANSWERS = BulkInsert(
    import_answers,
    ("import_id", "row_number", "outcome"),
    skip_conflicts=True,
    returning=("row_number", "outcome"),
)


def _job(row: RowMapping) -> ImportJob:
    values = {name: row[name] for name in _JOB_FIELDS}
    values["status"] = ImportStatus(values["status"])
    return ImportJob(**values)


def _values(job: ImportJob) -> dict[str, Any]:
    values = {name: getattr(job, name) for name in _JOB_FIELDS}
    values["status"] = job.status.value
    return values


class ImportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, job: ImportJob) -> None:
        await self._session.execute(insert(imports).values(_values(job)))

    async def get(self, import_id: UUID, *, for_update: bool = False) -> ImportJob | None:
        statement = select(imports).where(imports.c.id == import_id)
        if for_update:
            statement = statement.with_for_update()
        row = (await self._session.execute(statement)).mappings().first()
        return None if row is None else _job(row)

    async def save(self, job: ImportJob) -> None:
        values = _values(job)
        del values["id"]
        await self._session.execute(update(imports).where(imports.c.id == job.id).values(values))

    async def recent_with_content(self, sha256: str, *, dry_run: bool, since: datetime) -> ImportJob | None:
        statement = (
            select(imports)
            .where(imports.c.content_sha256 == sha256, imports.c.dry_run == dry_run)
            .where(imports.c.created_at >= since)
            # A failed or cancelled import is no reason to refuse the file again.
            .where(imports.c.status.not_in([ImportStatus.FAILED.value, ImportStatus.CANCELLED.value]))
            .order_by(imports.c.created_at.desc())
            .limit(1)
        )
        row = (await self._session.execute(statement)).mappings().first()
        return None if row is None else _job(row)

    async def page(self, *, before: tuple[datetime, UUID] | None, limit: int) -> list[ImportJob]:
        statement = select(imports).order_by(imports.c.created_at.desc(), imports.c.id.desc()).limit(limit)
        if before is not None:
            statement = statement.where(
                func.row(imports.c.created_at, imports.c.id) < func.row(before[0], before[1])
            )
        return [_job(row) for row in (await self._session.execute(statement)).mappings()]

    async def active_ids(self) -> list[UUID]:
        """Imports the importer still has to read; one whose file is read only awaits auth's answers."""
        statement = (
            select(imports.c.id)
            .where(imports.c.status.in_([status.value for status in ACTIVE]), imports.c.file_done.is_(False))
            .order_by(imports.c.created_at)
        )
        return list((await self._session.execute(statement)).scalars())

    async def unanswered_since(self, moment: datetime) -> list[UUID]:
        """Read imports still awaiting answers, none of which came after ``moment``."""
        last_heard = func.coalesce(imports.c.answered_at, imports.c.started_at)
        statement = select(imports.c.id).where(
            imports.c.status == ImportStatus.PROCESSING.value,
            imports.c.file_done.is_(True),
            imports.c.dry_run.is_(False),
            last_heard < moment,
        )
        return list((await self._session.execute(statement)).scalars())

    async def add_errors(self, import_id: UUID, errors: Sequence[RowError]) -> None:
        await _ADD_ERRORS.run(
            self._session,
            [(import_id, e.row_number, e.column, e.code, e.message, e.value) for e in errors],
        )

    async def errors_page(self, import_id: UUID, *, after: tuple[int, int] | None, limit: int) -> list[Any]:
        statement = (
            select(import_errors)
            .where(import_errors.c.import_id == import_id)
            .order_by(import_errors.c.row_number, import_errors.c.id)
            .limit(limit)
        )
        if after is not None:
            statement = statement.where(
                func.row(import_errors.c.row_number, import_errors.c.id) > func.row(after[0], after[1])
            )
        return list((await self._session.execute(statement)).mappings())

    async def forget_quoted(self, identities: Sequence[str]) -> None:
        """Blank the value of every duplicate row quoting one of ``identities`` (an erased person's)."""
        await self._session.execute(
            update(import_errors)
            # The code as a literal, not a parameter: a generic plan could not then use the partial index.
            .where(
                import_errors.c.code == literal_column(f"'{DUPLICATE}'"),
                import_errors.c.value.in_(identities),
            )
            .values(value=None)
        )

    async def claimed(self, import_id: UUID, fingerprints: Sequence[int]) -> dict[int, int]:
        """Which of ``fingerprints`` the import's rows claimed, each with the row that did."""
        statement = select(import_claims.c.fingerprint, import_claims.c.row_number).where(
            import_claims.c.import_id == import_id,
            import_claims.c.fingerprint == any_(literal(list(fingerprints), ARRAY(BigInteger))),
        )
        rows = (await self._session.execute(statement)).all()
        return {int(fp): int(row) for fp, row in rows}

    async def take_claims(self, import_id: UUID, claims: Sequence[tuple[int, int]]) -> None:
        """Record (fingerprint, row number) claims of the import's accepted rows."""
        await _TAKE_CLAIMS.run(self._session, [(fp, row, import_id) for fp, row in claims])

    async def claimed_fingerprints(self, import_id: UUID) -> AsyncGenerator[Sequence[int]]:
        """Every fingerprint the import's rows claimed, a chunk at a time (a server-side cursor; use
        it in ``contextlib.aclosing`` so the cursor closes even if the caller stops early)."""
        statement = (
            select(import_claims.c.fingerprint)
            .where(import_claims.c.import_id == import_id)
            .execution_options(yield_per=_CLAIMS_CHUNK)
        )
        result = await self._session.stream_scalars(statement)
        async for chunk in result.partitions():
            yield chunk

    async def record_answers(
        self, import_id: UUID, answers: Sequence[tuple[int, int]]
    ) -> list[tuple[int, int]]:
        """Store (row_number, outcome) answers; returns the ones not stored before (first answer wins)."""
        return await _RECORD_ANSWERS.returned(
            self._session, [(import_id, row, outcome) for row, outcome in answers]
        )
