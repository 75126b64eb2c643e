"""Use cases of the users service."""

from __future__ import annotations

from switchyard.common.contracts import UserCreated
from switchyard.users.domain.commands import CreateProfile
from switchyard.users.domain.model import Profile
from switchyard.users.service_layer.unit_of_work import UsersUnitOfWork


async def create_profile(command: CreateProfile, uow: UsersUnitOfWork) -> Profile:
    """Create the profile of a newly registered account and announce it; a second call changes nothing."""
    existing = await uow.profiles.get(command.user_id)
    if existing is not None:
        return existing
    profile = Profile(
        id=command.user_id,
        email=command.email,
        username=command.username,
        full_name=command.full_name,
        email_verified=command.email_verified,
        role=command.role,
    )
    await uow.profiles.add(profile)
    uow.add_event(
        UserCreated(user_id=profile.id, email=profile.email, username=profile.username, role=profile.role)
    )
    return profile
