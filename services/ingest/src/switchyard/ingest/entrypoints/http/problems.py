"""How the imports API's errors answer over HTTP (RFC 9457 problem details)."""

from __future__ import annotations

from collections.abc import Mapping

from switchyard.common.http import ProblemError, ProblemMapper, maps_to
from switchyard.common.http.cursors import InvalidCursor, invalid_cursor_problem
from switchyard.ingest.adapters.multipart_upload import MalformedUpload
from switchyard.ingest.adapters.storage import UploadTooLarge
from switchyard.ingest.domain.columns import HeaderRejected
from switchyard.ingest.domain.errors import ImportFinished, ImportNotFound, InvalidOptions, NoDataRows
from switchyard.ingest.domain.sniffing import NotCsv


def _header_rejected(exc: HeaderRejected) -> ProblemError:
    return ProblemError(422, "Unusable header", str(exc), extra={"errors": exc.errors})


def _invalid_options(exc: InvalidOptions) -> ProblemError:
    return ProblemError(422, None, str(exc), extra={"errors": exc.errors})


def _too_large(exc: UploadTooLarge) -> ProblemError:
    return ProblemError(413, None, str(exc), extra={"max_bytes": exc.limit})


PROBLEMS: Mapping[type[Exception], ProblemMapper] = {
    MalformedUpload: maps_to(400, "Malformed upload"),
    UploadTooLarge: _too_large,
    NotCsv: maps_to(415, "Not a CSV file"),
    HeaderRejected: _header_rejected,
    NoDataRows: maps_to(422, "No data rows"),
    InvalidOptions: _invalid_options,
    InvalidCursor: invalid_cursor_problem,
    ImportNotFound: maps_to(404),
    ImportFinished: maps_to(409, "Import already finished"),
}
