"""Outermost ASGI wrapper: request id, Server-Timing, latency histogram, slow-request log, span name."""

from __future__ import annotations

import re
import time
import uuid
from typing import TYPE_CHECKING

import structlog
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from opentelemetry import trace

from switchyard.common.observability.metrics import http_request_duration

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
UNMATCHED_ROUTE = "<unmatched>"
# Echoed into headers and logs, so only short, plain tokens are trusted from clients.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

_log = structlog.get_logger(__name__)


def resolve_request_id(candidate: str | None) -> str:
    """The client's request id when it is sane, otherwise a fresh one."""
    if candidate and _SANE_REQUEST_ID.fullmatch(candidate):
        return candidate
    return uuid.uuid4().hex


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _name_span(scope: Scope) -> None:
    # Routing has happened by the time a response starts; the server span ends with the last body chunk.
    route = scope.get("path_template")
    span = trace.get_current_span()
    if route and span.is_recording():
        span.update_name(f"{scope.get('method', '')} {route}")
        span.set_attribute("http.route", route)


class RequestContextMiddleware:
    """Wraps the whole Litestar handler (not one route), so 404, 405 and 413 responses are covered too."""

    def __init__(self, app: ASGIApp, *, service: str, slow_request_ms: float) -> None:
        self.app = app
        self.service = service
        self.slow_request_ms = slow_request_ms
        self.duration = http_request_duration()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request_id = resolve_request_id(_header(scope, REQUEST_ID_HEADER.encode()))
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status, streaming = 500, False

        async def send_with_context(message: Message) -> None:
            nonlocal status, streaming
            if message["type"] == "http.response.start":
                status = message["status"]
                _name_span(scope)
                headers = MutableScopeHeaders.from_message(message)
                streaming = headers.get("content-type", "").startswith("text/event-stream")
                headers[REQUEST_ID_HEADER] = request_id
                headers["server-timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
            await send(message)

        with structlog.contextvars.bound_contextvars(
            request_id=request_id, http_method=scope.get("method"), path=scope["path"]
        ):
            try:
                await self.app(scope, receive, send_with_context)
            finally:
                self._finish(scope, status, time.perf_counter() - started, streaming=streaming)

    def _finish(self, scope: Scope, status: int, elapsed_s: float, *, streaming: bool) -> None:
        method = scope.get("method", "")
        route = scope.get("path_template") or UNMATCHED_ROUTE
        self.duration.labels(self.service, method, route, str(status)).observe(elapsed_s)
        elapsed_ms = elapsed_s * 1000
        # An event stream is long on purpose; its length says nothing about slowness.
        if elapsed_ms >= self.slow_request_ms and not streaming:
            _log.warning(
                "slow_request", method=method, route=route, status=status, duration_ms=round(elapsed_ms, 1)
            )
