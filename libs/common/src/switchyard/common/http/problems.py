"""RFC 9457 problem details (``application/problem+json``) for every error an app returns."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)
from opentelemetry import trace

from switchyard.common.messaging.failures import is_infrastructure_error

PROBLEM_JSON = "application/problem+json"
ABOUT_BLANK = "about:blank"

_log = structlog.get_logger(__name__)

type ProblemMapper = Callable[[Any], ProblemError]


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class ProblemError(ProblemDetailsException):
    """An error rendered as a problem document; raise it (or map a domain error to it) in services."""

    def __init__(
        self,
        status: int,
        title: str | None = None,
        detail: str = "",
        *,
        type: str = ABOUT_BLANK,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(
            detail=detail or title or _phrase(status),
            status_code=status,
            headers=dict(headers or {}),
            extra=dict(extra or {}),
            type_=type,
            title=title or _phrase(status),
        )

    def to_response(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        """Render with ``instance`` set to the request path; extension members follow the standard ones."""
        body: dict[str, Any] = {
            "type": self.type_ or ABOUT_BLANK,
            "title": self.title,
            "status": self.status_code,
            "detail": self.detail,
            "instance": request.url.path,
        }
        if isinstance(self.extra, Mapping):
            body.update({k: v for k, v in self.extra.items() if k not in body})
        return Response(body, status_code=self.status_code, headers=self.headers, media_type=PROBLEM_JSON)


def maps_to(status: int, title: str | None = None, *, type: str = ABOUT_BLANK) -> ProblemMapper:
    """Map a domain exception to a problem whose detail is the exception's message."""

    def mapper(exc: Exception) -> ProblemError:
        return ProblemError(status, title, str(exc), type=type)

    return mapper


def _source(raw: Any) -> str:
    return str(getattr(raw, "value", raw) or "request")


_NAMED_FIELD = re.compile(r"(?:unknown|missing required) field `([^`]+)`")


def validation_errors(extra: Any) -> list[dict[str, str]]:
    """Litestar's validation details as ``[{"path": "body.email", "message": ...}]``."""
    if not isinstance(extra, list):
        return []
    errors = []
    for item in extra:
        if isinstance(item, Mapping):
            key, message = item.get("key"), str(item.get("message", "invalid value"))
            # msgspec names an unknown or missing body field only in its message; the key is the
            # parameter ("data").
            named = _NAMED_FIELD.search(message)
            if named and key == "data":
                key = named.group(1)
            path = f"{_source(item.get('source'))}.{key}" if key else _source(item.get("source"))
            errors.append({"path": path, "message": message})
    return errors


def _from_validation(exc: ValidationException) -> ProblemError:
    errors = validation_errors(exc.extra)
    detail = "The request has invalid fields; see errors." if errors else exc.detail
    return ProblemError(422, None, detail, extra={"errors": errors})


def _from_http_exception(exc: HTTPException) -> ProblemError:
    status = exc.status_code
    if status >= 500:
        # Server-side details (configuration, internals) stay in the log.
        _log.warning("http_server_error", status=status, reason=exc.detail)
        return ProblemError(status, None, _phrase(status), headers=exc.headers)
    return ProblemError(status, None, exc.detail, headers=exc.headers)


def _from_undecodable(_exc: UnicodeDecodeError) -> ProblemError:
    # msgspec raises this, not a DecodeError, for a JSON body that is not UTF-8; Litestar lets it through.
    return ProblemError(400, None, "The request body is not valid UTF-8.")


def _from_unexpected(exc: Exception) -> ProblemError:
    if is_infrastructure_error(exc):
        # The database or Redis is down: the client did nothing wrong and may retry.
        _log.warning("dependency_unavailable", error=repr(exc))
        return ProblemError(
            503, None, "A backing service is unavailable; try again shortly.", headers={"Retry-After": "5"}
        )
    _log.error("unhandled_exception", exc_info=exc)
    trace.get_current_span().record_exception(exc)
    return ProblemError(500, None, "An unexpected error occurred.")


def problem_details_plugin(
    problem_map: Mapping[type[Exception], ProblemMapper] | None = None,
) -> ProblemDetailsPlugin:
    """Litestar's problem-details plugin, extended to validation, unexpected and domain errors."""
    conversions: dict[type[Exception], ProblemMapper] = {
        Exception: _from_unexpected,
        HTTPException: _from_http_exception,
        ValidationException: _from_validation,
        UnicodeDecodeError: _from_undecodable,
        **(problem_map or {}),
    }
    return ProblemDetailsPlugin(ProblemDetailsConfig(exception_to_problem_detail_map=conversions))
