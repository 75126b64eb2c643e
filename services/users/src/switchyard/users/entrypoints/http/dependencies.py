"""Dependency providers of the users controllers."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar.connection import ASGIConnection
from litestar.di import NamedDependency

from switchyard.common.http import Principal, ProblemError
from switchyard.common.http.auth import authenticated_principal
from switchyard.users.adapters.cache import ProfileCache
from switchyard.users.domain.model import Profile
from switchyard.users.service_layer import queries
from switchyard.users.service_layer.unit_of_work import UsersUnitOfWork

NO_PROFILE_YET = "No profile exists for this account yet; it is created shortly after registration."


def caller_provider(uow_factory: Any, cache: ProfileCache) -> Any:
    """``caller``: the signed-in person's own profile, the source of truth for their role and status.

    Roles come from here, not from the token, so a role change or a deactivation applies to the
    very next request.
    """

    async def provide_caller(request: ASGIConnection[Any, Any, Any, Any]) -> Profile:
        principal: Principal = authenticated_principal(request)
        profile = await queries.get_profile(UUID(principal.subject), uow_factory(), cache)
        if profile is None:
            raise ProblemError(404, None, NO_PROFILE_YET)
        if not profile.is_active:
            raise ProblemError(403, "Account disabled", "This account is disabled.")
        return profile

    return provide_caller


# Handler parameter types, injected by name (provided app-wide by bootstrap).
Uow = NamedDependency[UsersUnitOfWork]
Cache = NamedDependency[ProfileCache]
Caller = NamedDependency[Profile]
