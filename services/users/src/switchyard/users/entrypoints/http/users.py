"""The user directory: ``GET /`` (staff), ``GET /{id}``, the admin's ``PATCH /{id}`` and ``DELETE /{id}``."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Response, delete, get, patch
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from switchyard.common.http import ProblemError
from switchyard.users.domain.commands import ChangeUserAccess, DeleteUser
from switchyard.users.domain.model import STAFF, Profile, Role
from switchyard.users.domain.pagination import Cursor, SortKey, UserQuery
from switchyard.users.entrypoints.http.dependencies import Cache, Caller, Uow
from switchyard.users.entrypoints.http.profiles import profile_response
from switchyard.users.entrypoints.http.schemas import AccessUpdate, ProfileRead, UserPage
from switchyard.users.service_layer import handlers, queries


def _require(caller: Profile, *roles: Role) -> None:
    if caller.role not in roles:
        raise ProblemError(403, None, f"Requires one of the roles: {', '.join(r.value for r in roles)}.")


def _expected_version(if_match: str | None) -> int:
    if if_match is None:
        raise ProblemError(428, None, "Send If-Match with the ETag from your last read of this user.")
    try:
        return int(if_match.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise ProblemError(412, None, "If-Match does not name a version of this user.") from None


class UserController(Controller):
    path = "/"
    tags = ["users"]

    @get("/", summary="List users (admin, moderator): filters, sort, cursor pagination")
    async def list_users(
        self,
        caller: Caller,
        uow: Uow,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
        sort: Annotated[
            SortKey, QueryParameter(description="created_at, -created_at, username, -username")
        ] = "created_at",
        role: FromQuery[Role | None] = None,
        is_active: FromQuery[bool | None] = None,
        q: Annotated[str | None, QueryParameter(min_length=3, max_length=100)] = None,
    ) -> UserPage:
        _require(caller, *STAFF)
        query = UserQuery(
            limit=limit,
            sort=sort,
            cursor=None if cursor is None else Cursor.decode(cursor, sort),
            role=role,
            is_active=is_active,
            q=q,
        )
        page, following = await queries.list_profiles(query, uow)
        return UserPage(
            items=[ProfileRead.of(p) for p in page],
            next_cursor=None if following is None else following.encode(),
        )

    @get("/{user_id:uuid}", summary="One user (admin, moderator, or the user themself)")
    async def get_user(
        self, user_id: FromPath[UUID], caller: Caller, uow: Uow, cache: Cache
    ) -> Response[ProfileRead]:
        if user_id != caller.id:
            _require(caller, *STAFF)
        profile = await queries.get_profile(user_id, uow, cache)
        if profile is None:
            raise ProblemError(404, None, "No user with this id.")
        return profile_response(profile)

    @patch("/{user_id:uuid}", summary="Change a user's role or activity (admin; If-Match required)")
    async def change_access(
        self,
        user_id: FromPath[UUID],
        data: JSONBody[AccessUpdate],
        caller: Caller,
        uow: Uow,
        if_match: Annotated[str | None, HeaderParameter(name="If-Match")] = None,
    ) -> Response[ProfileRead]:
        _require(caller, Role.ADMIN)
        command = ChangeUserAccess(
            user_id=user_id,
            expected_version=_expected_version(if_match),
            role=None if isinstance(data.role, msgspec.UnsetType) else data.role,
            is_active=None if isinstance(data.is_active, msgspec.UnsetType) else data.is_active,
        )
        async with uow:
            profile = await handlers.change_user_access(command, uow)
            await uow.commit()
        return profile_response(profile)

    @delete("/{user_id:uuid}", status_code=204, summary="Erase a user everywhere (admin)")
    async def delete_user(self, user_id: FromPath[UUID], caller: Caller, uow: Uow) -> None:
        _require(caller, Role.ADMIN)
        async with uow:
            await handlers.delete_user(DeleteUser(user_id=user_id), uow)
            await uow.commit()
