"""Building a service's Litestar app: problems, health, metrics, request context, auth, idempotency."""

from switchyard.common.http.app import create_app
from switchyard.common.http.auth import (
    CurrentPrincipal,
    JwksVerifier,
    Principal,
    deny_token_id,
    requires_authentication,
    requires_roles,
)
from switchyard.common.http.health import (
    ReadinessCheck,
    database_check,
    kafka_check,
    redis_check,
    run_readiness_checks,
)
from switchyard.common.http.idempotency import IdempotencyStore
from switchyard.common.http.problems import PROBLEM_JSON, ProblemError, ProblemMapper, maps_to
from switchyard.common.http.request_context import REQUEST_ID_HEADER, resolve_request_id
from switchyard.common.http.settings import HttpSettings

__all__ = [
    "PROBLEM_JSON",
    "REQUEST_ID_HEADER",
    "CurrentPrincipal",
    "HttpSettings",
    "IdempotencyStore",
    "JwksVerifier",
    "Principal",
    "ProblemError",
    "ProblemMapper",
    "ReadinessCheck",
    "create_app",
    "database_check",
    "deny_token_id",
    "kafka_check",
    "maps_to",
    "redis_check",
    "requires_authentication",
    "requires_roles",
    "resolve_request_id",
    "run_readiness_checks",
]
