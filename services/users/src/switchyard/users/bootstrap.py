"""Composition root of the users service."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from litestar import Litestar
from litestar.di import Provide
from opentelemetry.sdk.trace import SpanProcessor

from switchyard.common.contracts import produced_by
from switchyard.common.runtime import ServiceSettings, build_runtime
from switchyard.users.adapters.cache import ProfileCache
from switchyard.users.entrypoints.events.subscribers import subscribe_all
from switchyard.users.entrypoints.http import ROUTES
from switchyard.users.entrypoints.http.dependencies import caller_provider
from switchyard.users.entrypoints.http.problems import PROBLEMS
from switchyard.users.service_layer.unit_of_work import UsersUnitOfWork

SERVICE = "users"
# services/users/, where alembic.ini and migrations/ live.
SERVICE_ROOT = Path(__file__).resolve().parents[3]


def bootstrap(settings: ServiceSettings, *, span_processors: Sequence[SpanProcessor] = ()) -> Litestar:
    runtime = build_runtime(SERVICE, settings, root=SERVICE_ROOT, span_processors=span_processors)
    cache = ProfileCache(runtime.redis)
    subscribe_all(runtime, cache)

    def provide_uow() -> UsersUnitOfWork:
        return UsersUnitOfWork(runtime.session_factory, cache)

    return runtime.app(
        route_handlers=ROUTES,
        produces=produced_by(SERVICE),
        dependencies={
            "uow": Provide(provide_uow, sync_to_thread=False),
            "cache": Provide(lambda: cache, use_cache=True, sync_to_thread=False),
            "caller": Provide(caller_provider(provide_uow, cache)),
        },
        problems=PROBLEMS,
    )
