"""Composition root of the users service."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from litestar import Litestar
from litestar.di import Provide
from opentelemetry.sdk.trace import SpanProcessor

from switchyard.common.contracts import UserCreated, UserDeleted
from switchyard.common.runtime import ServiceSettings, build_runtime
from switchyard.users.entrypoints.events.subscribers import subscribe_all
from switchyard.users.entrypoints.http import ROUTES
from switchyard.users.service_layer.unit_of_work import UsersUnitOfWork

SERVICE = "users"
# services/users/, where alembic.ini and migrations/ live.
SERVICE_ROOT = Path(__file__).resolve().parents[3]


def bootstrap(settings: ServiceSettings, *, span_processors: Sequence[SpanProcessor] = ()) -> Litestar:
    runtime = build_runtime(SERVICE, settings, root=SERVICE_ROOT, span_processors=span_processors)
    subscribe_all(runtime)

    def provide_uow() -> UsersUnitOfWork:
        return UsersUnitOfWork(runtime.session_factory)

    return runtime.app(
        route_handlers=ROUTES,
        produces=[UserCreated, UserDeleted],
        dependencies={"uow": Provide(provide_uow, sync_to_thread=False)},
    )
