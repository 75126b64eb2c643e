"""Composition root of the auth service."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from litestar import Litestar
from opentelemetry.sdk.trace import SpanProcessor

from switchyard.auth.entrypoints.events.subscribers import subscribe_all
from switchyard.common.contracts import AccountRegistered
from switchyard.common.runtime import ServiceSettings, build_runtime

SERVICE = "auth"
# services/auth/, where alembic.ini and migrations/ live.
SERVICE_ROOT = Path(__file__).resolve().parents[3]


def bootstrap(settings: ServiceSettings, *, span_processors: Sequence[SpanProcessor] = ()) -> Litestar:
    runtime = build_runtime(SERVICE, settings, root=SERVICE_ROOT, span_processors=span_processors)
    subscribe_all(runtime)
    return runtime.app(route_handlers=[], produces=[AccountRegistered])
