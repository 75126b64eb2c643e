"""``GET /me`` and ``PATCH /me``: the caller's own profile."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, patch
from litestar.params import JSONBody

from switchyard.users.domain.commands import UpdateMyProfile
from switchyard.users.entrypoints.http.dependencies import Caller, Uow
from switchyard.users.entrypoints.http.schemas import ProfileRead, ProfileUpdate
from switchyard.users.service_layer import handlers


def profile_response(profile: Any) -> Response[ProfileRead]:
    """The profile with its ETag (the version an admin's If-Match names)."""
    return Response(
        ProfileRead.of(profile), headers={"ETag": profile.etag, "Cache-Control": "private, no-cache"}
    )


class ProfileController(Controller):
    path = "/me"
    tags = ["profiles"]

    @get("/", summary="My profile")
    async def me(self, caller: Caller) -> Response[ProfileRead]:
        return profile_response(caller)

    @patch("/", summary="Change my profile (full_name, locale, timezone)")
    async def update(self, data: JSONBody[ProfileUpdate], caller: Caller, uow: Uow) -> Response[ProfileRead]:
        async with uow:
            profile = await handlers.update_my_profile(
                UpdateMyProfile(user_id=caller.id, changes=data.changes()), uow
            )
            await uow.commit()
        return profile_response(profile)
