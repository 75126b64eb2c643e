"""The one way services build their Litestar app: health, metrics, problems, tracing, auth, idempotency."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from litestar import Litestar
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Server
from litestar.plugins.prometheus import PrometheusController

from switchyard.common.http.auth.middleware import AuthenticationMiddleware, provide_principal
from switchyard.common.http.health import ReadinessCheck, health_router
from switchyard.common.http.idempotency import IdempotencyStore
from switchyard.common.http.idempotency_middleware import IdempotencyMiddleware
from switchyard.common.http.problems import ProblemMapper, problem_details_plugin
from switchyard.common.http.request_context import RequestContextMiddleware
from switchyard.common.http.settings import HttpSettings
from switchyard.common.http.tracing import trace_requests

# Where the gateway (deploy/nginx/gateway.conf.template) mounts each service.
GATEWAY_PREFIXES: Mapping[str, str] = {
    "auth": "/api/v1/auth",
    "users": "/api/v1/users",
    "notifications": "/api/v1/notifications",
    "ingest": "/api/v1/imports",
}

if TYPE_CHECKING:
    from litestar.types import ControllerRouterHandler, Guard, Middleware
    from litestar.types.callable_types import LifespanHook
    from opentelemetry.trace import TracerProvider

    from switchyard.common.http.auth.verifier import JwksVerifier


class MetricsController(PrometheusController):
    """``GET /metrics``: the default prometheus_client registry in text format."""

    path = "/metrics"
    include_in_schema = False


def create_app(
    *,
    service: str,
    settings: HttpSettings,
    route_handlers: Sequence[ControllerRouterHandler],
    readiness_checks: Sequence[ReadinessCheck] = (),
    version: str = "0.1.0",
    lifespan: Sequence[Callable[[Litestar], AbstractAsyncContextManager[Any]]] = (),
    on_startup: Sequence[LifespanHook] = (),
    on_shutdown: Sequence[LifespanHook] = (),
    dependencies: Mapping[str, Provide] | None = None,
    guards: Sequence[Guard] = (),
    middleware: Sequence[Middleware] = (),
    problems: Mapping[type[Exception], ProblemMapper] | None = None,
    verifier: JwksVerifier | None = None,
    idempotency: IdempotencyStore | None = None,
    tracer_provider: TracerProvider | None = None,
    debug: bool = False,
) -> Litestar:
    """Build a service's app; every argument is an object the composition root made.

    ``guards`` apply to every route, health and metrics included. With a ``verifier``, handlers may
    declare ``principal: Principal`` (401 without a valid token) and use ``requires_roles(...)``.
    With ``idempotency``, POSTs sending ``Idempotency-Key`` are replayed (see idempotency_middleware).
    """
    stack: list[Middleware] = []
    # Without a verifier no token is ever accepted, so routes needing a principal answer 401.
    all_dependencies: dict[str, Provide] = {"principal": Provide(provide_principal)}
    if verifier is not None:
        stack.append(AuthenticationMiddleware(verifier))
    if idempotency is not None:
        stack.append(IdempotencyMiddleware(idempotency))
    stack.extend(middleware)
    all_dependencies.update(dependencies or {})
    app = Litestar(
        route_handlers=[
            health_router(readiness_checks, timeout_s=settings.readiness_timeout_s),
            MetricsController,
            *route_handlers,
        ],
        middleware=stack,
        dependencies=all_dependencies,
        guards=list(guards),
        lifespan=list(lifespan),
        on_startup=list(on_startup),
        on_shutdown=list(on_shutdown),
        plugins=[problem_details_plugin(problems)],
        openapi_config=OpenAPIConfig(
            title=service,
            version=version,
            path="/schema",
            # Clients reach the service only through the gateway, under its public prefix, so the
            # schema viewers' "try it" calls (and generated clients) use that path.
            servers=[Server(url=GATEWAY_PREFIXES.get(service, "/"), description="through the gateway")],
        ),
        # Litestar.from_config would skip this default, so it is always passed explicitly.
        request_max_body_size=settings.max_body_bytes,
        # Logging is configured once per process by configure_logging, not per app.
        logging_config=None,
        debug=debug,
    )
    # Wrapping the whole handler (not per-route middleware) covers 404/405 responses as well;
    # the span is outermost so every log line of the request carries its trace id.
    app.asgi_handler = trace_requests(
        RequestContextMiddleware(app.asgi_handler, service=service, slow_request_ms=settings.slow_request_ms),
        tracer_provider=tracer_provider,
    )
    return app
