"""Dependency providers of the auth controllers."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency

from switchyard.auth.domain.commands import ClientInfo
from switchyard.auth.service_layer.context import AuthContext

_MAX_USER_AGENT = 512


def provide_client(request: Request[Any, Any, Any]) -> ClientInfo:
    """The caller's address (uvicorn resolves X-Forwarded-For from the trusted gateway) and agent."""
    user_agent = request.headers.get("user-agent")
    return ClientInfo(
        ip=request.client.host if request.client else None,
        user_agent=user_agent[:_MAX_USER_AGENT] if user_agent else None,
    )


# Handler parameter types: injected by name (``ctx`` app-wide from bootstrap, ``client`` per controller).
Ctx = NamedDependency[AuthContext]
Client = NamedDependency[ClientInfo]
