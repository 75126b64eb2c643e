"""Reads of the users service: no state changes, so nothing is committed."""

from __future__ import annotations

from uuid import UUID

from switchyard.users.adapters.cache import ProfileCache
from switchyard.users.domain.model import Profile
from switchyard.users.domain.pagination import Cursor, UserQuery
from switchyard.users.service_layer.unit_of_work import UsersUnitOfWork


async def get_profile(user_id: UUID, uow: UsersUnitOfWork, cache: ProfileCache) -> Profile | None:
    """Cache-aside: the cached profile, else the database's (stored for the next read)."""
    cached, generation = await cache.get(user_id)
    if cached is not None:
        return cached
    async with uow:
        profile = await uow.profiles.get(user_id)
    if profile is not None:
        await cache.put(profile, generation)
    return profile


async def list_profiles(query: UserQuery, uow: UsersUnitOfWork) -> tuple[list[Profile], Cursor | None]:
    """One page and the cursor of the next (None on the last page)."""
    async with uow:
        rows = await uow.profiles.list(query)
    page, more = rows[: query.limit], len(rows) > query.limit
    if not more:
        return page, None
    last = page[-1]
    value = last.created_at if query.column == "created_at" else last.username
    return page, Cursor(sort=query.sort, value=value, id=last.id)
