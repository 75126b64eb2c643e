"""Reads of the users service: no state changes, so nothing is committed."""

from __future__ import annotations

from uuid import UUID

from switchyard.users.domain.model import Profile
from switchyard.users.service_layer.unit_of_work import UsersUnitOfWork


async def get_profile(user_id: UUID, uow: UsersUnitOfWork) -> Profile | None:
    """The profile of ``user_id``, or None until its AccountRegistered has been consumed."""
    async with uow:
        return await uow.profiles.get(user_id)
