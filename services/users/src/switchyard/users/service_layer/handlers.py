"""Use cases of the users service that change state; each ends in events the other services follow."""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from switchyard.common.contracts import (
    UserCreated,
    UserDeactivated,
    UserDeleted,
    UserEmailVerified,
    UserProfileUpdated,
    UserReactivated,
    UserRoleChanged,
)
from switchyard.users.domain import profile_fields
from switchyard.users.domain.commands import (
    ChangeUserAccess,
    CreateProfile,
    DeleteUser,
    MarkEmailVerified,
    UpdateMyProfile,
)
from switchyard.users.domain.errors import InvalidField, LastActiveAdmin, ProfileNotFound, StaleProfile
from switchyard.users.domain.model import Profile, now
from switchyard.users.service_layer.unit_of_work import UsersUnitOfWork

log = structlog.get_logger(__name__)


async def create_profile(command: CreateProfile, uow: UsersUnitOfWork) -> None:
    """Create the profile of a newly registered account and announce it; a second call changes nothing."""
    await create_profiles([command], uow)


async def create_profiles(commands: Sequence[CreateProfile], uow: UsersUnitOfWork) -> None:
    """:func:`create_profile` for many accounts with one insert (an import registers thousands)."""
    stamp = now()
    new = [
        Profile(
            id=command.user_id,
            email=command.email,
            username=command.username,
            full_name=command.full_name,
            email_verified=command.email_verified,
            role=command.role,
            created_at=stamp,
            updated_at=stamp,
        )
        for command in commands
    ]
    inserted = await uow.profiles.add_new(new)
    # No cache entry to drop: only profiles that exist are cached, and these did not.
    for profile in new:
        if profile.id in inserted:
            inserted.discard(profile.id)
            uow.add_event(
                UserCreated(
                    user_id=profile.id, email=profile.email, username=profile.username, role=profile.role
                )
            )


async def mark_email_verified(command: MarkEmailVerified, uow: UsersUnitOfWork) -> None:
    profile = await uow.profiles.get(command.user_id, for_update=True)
    if profile is None or profile.email_verified:
        return
    profile.email_verified = True
    await _save(uow, profile)
    uow.add_event(UserEmailVerified(user_id=profile.id))


async def update_my_profile(command: UpdateMyProfile, uow: UsersUnitOfWork) -> Profile:
    for field in command.changes:
        if field in profile_fields.NOT_EDITABLE_HERE:
            raise InvalidField(field, profile_fields.NOT_EDITABLE_HERE[field])
    cleaned = {field: profile_fields.clean(field, value) for field, value in command.changes.items()}
    profile = await uow.profiles.get(command.user_id, for_update=True)
    if profile is None:
        raise ProfileNotFound()
    if all(getattr(profile, field) == value for field, value in cleaned.items()):
        return profile
    for field, value in cleaned.items():
        setattr(profile, field, value)
    await _save(uow, profile)
    uow.add_event(
        UserProfileUpdated(
            user_id=profile.id, full_name=profile.full_name, locale=profile.locale, timezone=profile.timezone
        )
    )
    return profile


async def change_user_access(command: ChangeUserAccess, uow: UsersUnitOfWork) -> Profile:
    """An admin sets role and/or is_active; never removes the last active admin."""
    profile = await uow.profiles.get(command.user_id, for_update=True)
    if profile is None:
        raise ProfileNotFound()
    if profile.version != command.expected_version:
        raise StaleProfile(profile.etag)
    role = command.role if command.role is not None else profile.role
    is_active = command.is_active if command.is_active is not None else profile.is_active
    if (role, is_active) == (profile.role, profile.is_active):
        return profile
    if profile.is_active_admin and not (role.value == "admin" and is_active):
        await _keep_an_admin(uow)
    previous_role, was_active = profile.role, profile.is_active
    profile.role, profile.is_active = role, is_active
    await _save(uow, profile)
    if role != previous_role:
        uow.add_event(UserRoleChanged(user_id=profile.id, role=role.value, previous_role=previous_role.value))
    if is_active != was_active:
        uow.add_event(
            UserReactivated(user_id=profile.id) if is_active else UserDeactivated(user_id=profile.id)
        )
    log.info("user_access_changed", user_id=str(profile.id), role=role.value, is_active=is_active)
    return profile


async def delete_user(command: DeleteUser, uow: UsersUnitOfWork) -> None:
    """Erase the profile; user-deleted tells every other service to erase what it holds."""
    profile = await uow.profiles.get(command.user_id, for_update=True)
    if profile is None:
        raise ProfileNotFound()
    if profile.is_active_admin:
        await _keep_an_admin(uow)
    await uow.profiles.delete(profile.id)
    uow.changed(profile.id)
    uow.add_event(UserDeleted(user_id=profile.id))
    log.info("user_deleted", user_id=str(profile.id))


async def _keep_an_admin(uow: UsersUnitOfWork) -> None:
    """Called before an active admin stops being one: refuse when it is the last."""
    if await uow.profiles.lock_admins() <= 1:
        raise LastActiveAdmin()


async def _save(uow: UsersUnitOfWork, profile: Profile) -> None:
    profile.touch()
    await uow.profiles.save(profile)
    uow.changed(profile.id)
