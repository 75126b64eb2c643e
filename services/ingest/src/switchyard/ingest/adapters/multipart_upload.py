"""Reading a multipart/form-data upload as it streams in: the file to disk, the small fields to memory.

Litestar's own form parsing holds the whole body in memory; an import may be hundreds of
megabytes, so the body goes through ``multipart``'s push parser chunk by chunk instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from multipart import MultipartError, MultipartSegment, PushMultipartParser, parse_options_header

from switchyard.ingest.adapters.storage import StoredFile, UploadStorage, UploadWriter

FILE_FIELD = "file"
# Options are short ("true", a JSON mapping of a few columns).
MAX_FIELD_BYTES = 64 * 1024


class MalformedUpload(Exception):
    """Not a usable multipart/form-data body; the message says why."""


@dataclass(slots=True)
class Upload:
    file: StoredFile
    filename: str
    content_type: str | None
    fields: dict[str, str] = field(default_factory=dict)


async def receive_upload(content_type: str, body: AsyncIterator[bytes], storage: UploadStorage) -> Upload:
    """Store the ``file`` part through ``storage``; raises MalformedUpload or UploadTooLarge."""
    kind, options = parse_options_header(content_type or "")
    if kind != "multipart/form-data" or not options.get("boundary"):
        raise MalformedUpload("Send the file as multipart/form-data with a part named 'file'.")
    writer = storage.writer()
    try:
        return await _parse(PushMultipartParser(options["boundary"], max_segment_count=32), body, writer)
    except BaseException:
        await writer.discard()
        raise


async def _parse(parser: PushMultipartParser, body: AsyncIterator[bytes], writer: UploadWriter) -> Upload:
    fields: dict[str, str] = {}
    file_part: MultipartSegment | None = None
    current: MultipartSegment | None = None
    value = bytearray()
    try:
        async for chunk in body:
            for event in parser.parse(chunk):
                if isinstance(event, MultipartSegment):
                    current, value = event, bytearray()
                    if event.name == FILE_FIELD:
                        if file_part is not None:
                            raise MalformedUpload("Send one file per import.")
                        file_part = event
                elif event is None:
                    if current is not None and current is not file_part and current.name:
                        fields[current.name] = value.decode("utf-8", errors="replace")
                    current = None
                elif current is file_part:
                    await writer.write(event)
                else:
                    value += event
                    if len(value) > MAX_FIELD_BYTES:
                        raise MalformedUpload(
                            f"The form field {current.name if current else ''!r} is too long."
                        )
        for _event in parser.parse(b""):
            pass
        parser.close()
    except MultipartError as exc:
        raise MalformedUpload(f"The multipart body is malformed: {exc}") from None
    if file_part is None:
        raise MalformedUpload("The form has no part named 'file'.")
    stored = await writer.finish()
    return Upload(stored, file_part.filename or "upload.csv", file_part.content_type, fields)
