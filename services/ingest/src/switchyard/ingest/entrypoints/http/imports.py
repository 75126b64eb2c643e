"""``/`` (the gateway's ``/api/v1/imports``): upload a CSV of people, follow and steer its import (admin)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import ServerSentEvent, Stream
from litestar.response.sse import ServerSentEventMessage

from switchyard.common.http import CurrentPrincipal, ProblemError, requires_roles
from switchyard.common.http.cursors import InvalidCursor, decode_cursor, encode_cursor
from switchyard.common.http.streams import until_shutdown
from switchyard.ingest.adapters.multipart_upload import receive_upload
from switchyard.ingest.adapters.storage import UploadTooLarge
from switchyard.ingest.domain.model import ImportJob
from switchyard.ingest.entrypoints.http.dependencies import Imports, ImportsContext, Uow
from switchyard.ingest.entrypoints.http.error_export import export_rows
from switchyard.ingest.entrypoints.http.schemas import ImportPage, ImportRead, RowErrorPage, RowErrorRead
from switchyard.ingest.service_layer import jobs
from switchyard.ingest.service_layer.progress import follow_import
from switchyard.ingest.service_layer.uploads import accept_upload

# Multipart framing around the file: boundaries, part headers, the option fields.
_FORM_OVERHEAD = 1024 * 1024


class ImportController(Controller):
    path = "/"
    tags = ["imports"]
    # Roles from the verified token: 401 without one, 403 unless admin.
    guards = [requires_roles("admin")]

    @post(
        "/",
        status_code=202,
        summary="Upload a CSV file of people to onboard (multipart: file, dry_run, notify, force, mapping)",
        description="Columns: email, username (required), full_name, role; or any names with a `mapping` "
        'JSON such as {"E-mail": "email"}. The same file again within 24 h answers 200 with the '
        "existing import unless force=true.",
        # The limit is INGEST_MAX_UPLOAD_BYTES, enforced while the body streams in.
        request_max_body_size=None,
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        principal: CurrentPrincipal,
        uow: Uow,
        imports: ImportsContext,
    ) -> Response[ImportRead]:
        limit = imports.settings.max_upload_bytes
        if (request.content_length or 0) > limit + _FORM_OVERHEAD:
            raise UploadTooLarge(limit)
        # Before the body is read: a refused caller leaves no stored upload behind.
        uploaded_by = _caller(principal.subject)
        upload = await receive_upload(
            request.headers.get("content-type", ""), request.stream(), imports.storage
        )
        accepted = await accept_upload(
            upload,
            uploaded_by=uploaded_by,
            storage=imports.storage,
            uow=uow,
            clock=imports.clock,
            duplicate_window_s=imports.settings.duplicate_window_s,
        )
        if accepted.created:
            imports.importer.wake.set()
        headers = {"Location": f"{request.headers.get('x-forwarded-prefix', '')}/{accepted.job.id}"}
        body = ImportRead.of(accepted.job, imports.clock())
        return Response(body, status_code=202 if accepted.created else 200, headers=headers)

    @get("/", summary="Imports, newest first (admin)")
    async def list_imports(
        self,
        uow: Uow,
        imports: ImportsContext,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, QueryParameter(max_length=256)] = None,
    ) -> ImportPage:
        before = None if cursor is None else _import_position(cursor)
        page = await jobs.list_imports(uow, before=before, limit=limit + 1)
        now = imports.clock()
        following = None
        if len(page) > limit:
            page, last = page[:limit], page[limit - 1]
            following = encode_cursor("imports", last.created_at.isoformat(), str(last.id))
        return ImportPage(items=[ImportRead.of(job, now) for job in page], next_cursor=following)

    @get("/{import_id:uuid}", summary="An import's status and progress (admin)")
    async def get_import(self, import_id: FromPath[UUID], uow: Uow, imports: ImportsContext) -> ImportRead:
        return ImportRead.of(await jobs.get_import(import_id, uow), imports.clock())

    @post("/{import_id:uuid}/cancel", status_code=200, summary="Stop sending rows; rows already sent finish")
    async def cancel(self, import_id: FromPath[UUID], uow: Uow, imports: ImportsContext) -> ImportRead:
        job = await jobs.cancel_import(import_id, uow, imports.storage, imports.clock)
        return ImportRead.of(job, imports.clock())

    @get(
        "/{import_id:uuid}/errors",
        summary="Rows not imported and why, by row number (JSON pages, or ?format=csv for a download)",
    )
    async def errors(
        self,
        import_id: FromPath[UUID],
        uow: Uow,
        imports: ImportsContext,
        format: FromQuery[Literal["json", "csv"]] = "json",
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
        cursor: Annotated[str | None, QueryParameter(max_length=256)] = None,
    ) -> Response[RowErrorPage] | Stream:
        after = _error_position(cursor)
        if format == "csv":
            await jobs.get_import(import_id, imports.uow_factory())
            return Stream(
                export_rows(
                    lambda position: jobs.list_errors(
                        import_id, imports.uow_factory(), after=position, limit=1000
                    )
                ),
                media_type="text/csv",  # Litestar adds "; charset=utf-8"
                headers={"Content-Disposition": f'attachment; filename="import-{import_id}-errors.csv"'},
            )
        rows = await jobs.list_errors(import_id, uow, after=after, limit=limit + 1)
        following = None
        if len(rows) > limit:
            rows, last = rows[:limit], rows[limit - 1]
            following = encode_cursor("import-errors", last.row_number, last.id)
        items = [
            RowErrorRead(
                row_number=r.row_number, column=r.column_name, code=r.code, message=r.message, value=r.value
            )
            for r in rows
        ]
        return Response(RowErrorPage(items=items, next_cursor=following))

    @get(
        "/{import_id:uuid}/events",
        summary="Progress as Server-Sent Events (event `progress`, data as GET /{id}); ends with the import",
    )
    async def events(
        self, request: Request[Any, Any, Any], import_id: FromPath[UUID], uow: Uow, imports: ImportsContext
    ) -> ServerSentEvent:
        await jobs.get_import(import_id, uow)  # 404 before the stream starts
        updates = follow_import(
            import_id,
            imports.uow_factory,
            interval_s=imports.settings.progress_interval_s,
            heartbeat_s=imports.settings.stream_heartbeat_s,
        )
        # Ends when the process begins to shut down; the client reconnects to a replica still serving.
        return ServerSentEvent(until_shutdown(request.app, _messages(updates, imports)))


async def _messages(
    updates: AsyncIterator[ImportJob | None], imports: Imports
) -> AsyncIterator[ServerSentEventMessage]:
    sequence = 0
    async for update in updates:
        if update is None:
            yield ServerSentEventMessage(comment="heartbeat", data=None)
            continue
        sequence += 1
        data = msgspec.json.encode(ImportRead.of(update, imports.clock())).decode()
        yield ServerSentEventMessage(data=data, event="progress", id=sequence)


def _caller(subject: str) -> UUID:
    try:
        return UUID(subject)
    except ValueError:
        raise ProblemError(403, None, "This token does not name a user.") from None


def _import_position(cursor: str) -> tuple[datetime, UUID]:
    try:
        moment, import_id = decode_cursor(cursor, "imports")
        return datetime.fromisoformat(moment), UUID(import_id)
    except (ValueError, TypeError, AttributeError):
        raise InvalidCursor from None


def _error_position(cursor: str | None) -> tuple[int, int] | None:
    if cursor is None:
        return None
    try:
        row_number, error_id = (int(value) for value in decode_cursor(cursor, "import-errors"))
    except (ValueError, TypeError, OverflowError):
        raise InvalidCursor from None
    # What the columns hold (integer, bigint): anything else was not made by this API.
    if not (0 <= row_number < 2**31 and 0 <= error_id < 2**63):
        raise InvalidCursor
    return row_number, error_id
