"""HTTP server spans via Litestar's OpenTelemetry middleware, applied around the whole app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar.enums import ScopeType
from litestar.plugins.opentelemetry import OpenTelemetryConfig

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Receive, Scope, Send
    from opentelemetry.trace import TracerProvider

# Probes and scrapes arrive every few seconds; tracing them would bury real traffic.
UNTRACED_PATHS = frozenset({"/health/live", "/health/ready", "/metrics"})


def _initial_span_details(scope: Scope) -> tuple[str, dict[str, Any]]:
    # The route template is unknown before routing; RequestContextMiddleware renames the span after it.
    return str(scope.get("method", "HTTP")), {}


def trace_requests(app: ASGIApp, *, tracer_provider: TracerProvider | None) -> ASGIApp:
    """Open a server span per request (continuing the caller's W3C trace context)."""
    config = OpenTelemetryConfig(
        tracer_provider=tracer_provider,
        scope_span_details_extractor=_initial_span_details,
        exclude_spans=["receive", "send"],
    )
    traced_app: ASGIApp = config.middleware(app=app)

    async def trace_unless_probe(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and scope["path"] in UNTRACED_PATHS:
            await app(scope, receive, send)
        else:
            await traced_app(scope, receive, send)

    return trace_unless_probe
