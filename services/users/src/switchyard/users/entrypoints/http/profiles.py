"""``GET /me``: the caller's own profile."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get

from switchyard.common.http import CurrentPrincipal, ProblemError
from switchyard.users.entrypoints.http.dependencies import Uow
from switchyard.users.entrypoints.http.schemas import ProfileRead
from switchyard.users.service_layer import queries

NO_PROFILE_YET = "No profile exists for this account yet; it is created shortly after registration."


class ProfileController(Controller):
    path = "/"
    tags = ["profiles"]

    @get("/me", summary="My profile")
    async def me(self, principal: CurrentPrincipal, uow: Uow) -> ProfileRead:
        profile = await queries.get_profile(UUID(principal.subject), uow)
        if profile is None:
            raise ProblemError(404, None, NO_PROFILE_YET)
        return ProfileRead.of(profile)
