"""The authenticated caller, as read from a verified access token."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from litestar.di import NamedDependency


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """Who is calling. Claims: ``sub``, ``roles``, ``sid``, ``email_verified``, ``jti``, ``iat``, ``exp``."""

    subject: str
    roles: frozenset[str] = frozenset()
    session_id: str | None = None
    email_verified: bool = False
    token_id: str | None = None
    issued_at: int | None = None
    expires_at: int | None = None

    @property
    def user_id(self) -> str:
        return self.subject

    def has_any_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)


def _seconds(value: Any) -> int | None:
    # bool is an int, but never a time.
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """Build a principal from already-verified claims, ignoring malformed optional ones."""
    roles = claims.get("roles")
    role_names = frozenset(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else frozenset()
    session_id = claims.get("sid")
    token_id = claims.get("jti")
    issued_at = claims.get("iat")
    expires_at = claims.get("exp")
    return Principal(
        subject=str(claims["sub"]),
        roles=role_names,
        session_id=session_id if isinstance(session_id, str) else None,
        email_verified=claims.get("email_verified") is True,
        token_id=token_id if isinstance(token_id, str) else None,
        issued_at=_seconds(issued_at),
        expires_at=_seconds(expires_at),
    )


# Handler parameter ``principal: CurrentPrincipal``: the verified caller (401 without a valid token).
CurrentPrincipal = NamedDependency[Principal]
