"""Accepting an upload: check it is CSV with a usable header, then queue its import (or find it queued)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import anyio
import msgspec

from switchyard.ingest.adapters.multipart_upload import Upload
from switchyard.ingest.adapters.storage import UploadStorage
from switchyard.ingest.domain.columns import resolve_columns
from switchyard.ingest.domain.commands import ImportOptions
from switchyard.ingest.domain.errors import InvalidOptions, NoDataRows
from switchyard.ingest.domain.model import ImportJob, ImportStatus
from switchyard.ingest.domain.sniffing import check_is_csv, read_header
from switchyard.ingest.service_layer.unit_of_work import IngestUnitOfWork

_OPTIONS = ("dry_run", "notify", "force", "mapping")
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off", ""}


@dataclass(frozen=True, slots=True)
class Accepted:
    job: ImportJob
    # False when the same file was uploaded recently and its job is returned instead.
    created: bool


def parse_options(fields: dict[str, str]) -> ImportOptions:
    """The form fields beside the file; unknown or malformed ones raise InvalidOptions."""
    errors = [
        {
            "path": f"body.{name}",
            "message": f"Unknown form field {name!r}; allowed: file, {', '.join(_OPTIONS)}.",
        }
        for name in fields
        if name not in _OPTIONS
    ]
    flags: dict[str, bool] = {}
    for name, default in (("dry_run", False), ("notify", True), ("force", False)):
        raw = fields.get(name)
        value = None if raw is None else raw.strip().lower()
        if value is None:
            flags[name] = default
        elif value in _TRUE or value in _FALSE:
            flags[name] = value in _TRUE
        else:
            errors.append({"path": f"body.{name}", "message": f"{name} must be true or false."})
    mapping = _mapping(fields.get("mapping"), errors)
    if errors:
        raise InvalidOptions(errors)
    return ImportOptions(mapping=mapping, **flags)


def _mapping(raw: str | None, errors: list[dict[str, str]]) -> dict[str, str] | None:
    if raw is None or not raw.strip():
        return None
    message = 'mapping must be a JSON object of file column to field, e.g. {"E-mail": "email"}.'
    try:
        mapping = msgspec.json.decode(raw, type=dict[str, str])
    except msgspec.DecodeError:
        errors.append({"path": "body.mapping", "message": message})
        return None
    # No column name holds a NUL (nor can PostgreSQL store one, the mapping is kept with the job).
    if any("\x00" in name for pair in mapping.items() for name in pair):
        errors.append({"path": "body.mapping", "message": message})
        return None
    return mapping


def _printable(filename: str) -> str:
    # Control characters (a NUL above all, which PostgreSQL text cannot hold) have no place in a name.
    return "".join(char for char in filename if char.isprintable())


async def accept_upload(
    upload: Upload,
    *,
    uploaded_by: UUID,
    storage: UploadStorage,
    uow: IngestUnitOfWork,
    clock: Callable[[], datetime],
    duplicate_window_s: int,
) -> Accepted:
    """Checks in order: options, CSV-ness (415), header (422), rows (422), then the duplicate window.

    The stored upload is kept under the new job's name, or deleted whatever else happens.
    """
    try:
        return await _accept(upload, uploaded_by, storage, uow, clock(), duplicate_window_s)
    finally:
        await anyio.Path(upload.file.path).unlink(missing_ok=True)


async def _accept(
    upload: Upload,
    uploaded_by: UUID,
    storage: UploadStorage,
    uow: IngestUnitOfWork,
    now: datetime,
    duplicate_window_s: int,
) -> Accepted:
    options = parse_options(upload.fields)
    check_is_csv(upload.file.head, upload.content_type)
    header, has_rows = read_header(upload.file.head)
    resolve_columns(header, options.mapping)
    if not has_rows:
        raise NoDataRows
    async with uow:
        if not options.force:
            since = now - timedelta(seconds=duplicate_window_s)
            earlier = await uow.imports.recent_with_content(
                upload.file.sha256, dry_run=options.dry_run, since=since
            )
            if earlier is not None:
                return Accepted(earlier, created=False)
        job = ImportJob(
            id=uuid.uuid4(),
            uploaded_by=uploaded_by,
            filename=_printable(upload.filename)[:255] or "upload.csv",
            content_sha256=upload.file.sha256,
            size_bytes=upload.file.size,
            dry_run=options.dry_run,
            notify=options.notify,
            mapping=options.mapping,
            status=ImportStatus.QUEUED,
            created_at=now,
        )
        await storage.keep(upload.file, job.id)
        await uow.imports.add(job)
        await uow.commit()
    return Accepted(job, created=True)
