"""Bearer-token authentication for Litestar: a middleware, a ``principal`` dependency and role guards."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import structlog
from litestar.connection import ASGIConnection
from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware

from switchyard.common.http.auth.jwks import KeysUnavailable
from switchyard.common.http.auth.principal import Principal
from switchyard.common.http.auth.verifier import JwksVerifier, TokenRejected
from switchyard.common.http.problems import ProblemError

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar.handlers.base import BaseRouteHandler
    from litestar.types import ASGIApp, Receive, Scope, Send

_log = structlog.get_logger(__name__)

type Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]


class AuthenticationMiddleware(ASGIMiddleware):
    """Verifies a bearer token when one is sent; guards decide whether a route needs one.

    Sets ``scope["user"]`` to the :class:`Principal` (or ``None``) and ``scope["auth"]`` to the
    rejection reason (or ``None``), so public routes still work for clients holding a stale token.
    """

    scopes = (ScopeType.HTTP,)

    def __init__(self, verifier: JwksVerifier) -> None:
        self.verifier = verifier

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        principal, failure = None, None
        authorization = Headers.from_scope(scope).get("authorization")
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                failure = "expected a bearer token"
            else:
                try:
                    principal = await self.verifier.verify(token.strip())
                except TokenRejected as exc:
                    failure = exc.reason
                except KeysUnavailable as exc:
                    # Fail closed: without keys or the denylist no token is trusted.
                    _log.warning("token_verification_unavailable", reason=str(exc), cause=repr(exc.__cause__))
                    raise ProblemError(
                        503, None, "Access tokens cannot be verified right now.", headers={"Retry-After": "5"}
                    ) from None
        scope["user"], scope["auth"] = principal, failure
        if principal is not None:
            with structlog.contextvars.bound_contextvars(user_id=principal.subject):
                await next_app(scope, receive, send)
        else:
            await next_app(scope, receive, send)


def _unauthorized(reason: str | None) -> ProblemError:
    challenge = 'Bearer realm="switchyard"'
    if reason:
        escaped = reason.replace('"', "'")
        challenge += f', error="invalid_token", error_description="{escaped}"'
    detail = f"Invalid access token: {reason}." if reason else "An access token is required."
    return ProblemError(401, None, detail, headers={"WWW-Authenticate": challenge})


def authenticated_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The verified caller, or a 401 problem."""
    principal = connection.scope.get("user")
    if isinstance(principal, Principal):
        return principal
    raise _unauthorized(connection.scope.get("auth"))


def requires_authentication(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: 401 unless a valid bearer token was sent."""
    authenticated_principal(connection)


def requires_roles(*roles: str) -> Guard:
    """Guard: 401 without a valid token, 403 unless the caller holds at least one of ``roles``."""
    if not roles:
        raise ValueError("requires_roles needs at least one role")

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = authenticated_principal(connection)
        if not principal.has_any_role(*roles):
            _log.info("access_denied", required_roles=list(roles), roles=sorted(principal.roles))
            raise ProblemError(403, None, f"Requires one of the roles: {', '.join(roles)}.")

    return guard


async def provide_principal(request: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """Dependency ``principal``: handlers declaring it need a valid token."""
    return authenticated_principal(request)
