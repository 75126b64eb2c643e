"""An admin changing a user's role or activity, and deleting a user (fake unit of work, no I/O)."""

from __future__ import annotations

import uuid

import pytest

from switchyard.common.contracts import UserDeactivated, UserDeleted, UserReactivated, UserRoleChanged
from switchyard.users.domain.commands import ChangeUserAccess, DeleteUser
from switchyard.users.domain.errors import LastActiveAdmin, ProfileNotFound, StaleProfile
from switchyard.users.domain.model import Profile, Role
from switchyard.users.service_layer.handlers import change_user_access, delete_user


def _profile(role: Role = Role.USER, *, is_active: bool = True, version: int = 1) -> Profile:
    user_id = uuid.uuid4()
    return Profile(
        id=user_id,
        email=f"{user_id.hex[:8]}@example.com",
        username=user_id.hex[:8],
        role=role,
        is_active=is_active,
        version=version,
    )


def _change(user_id: uuid.UUID, version: int = 1, **changes) -> ChangeUserAccess:
    return ChangeUserAccess(user_id=user_id, expected_version=version, **changes)


async def test_a_role_change_is_saved_with_a_new_version_and_announced(uow):
    user_id = uow.put(_profile(Role.USER))
    before = uow.profiles.rows[user_id].updated_at

    returned = await change_user_access(_change(user_id, role=Role.MODERATOR), uow)

    stored = uow.profiles.rows[user_id]
    assert (stored.role, stored.is_active, stored.version) == (Role.MODERATOR, True, 2)
    assert stored.updated_at >= before
    assert (returned.role, returned.etag) == (Role.MODERATOR, '"2"')
    assert uow.events == [UserRoleChanged(user_id=user_id, role="moderator", previous_role="user")]
    assert uow.changed_ids == [user_id]
    assert uow.profiles.locked_for_update == [user_id]
    assert uow.profiles.admin_locks == 0, "no admin is removed: no need to serialise"


async def test_deactivation_and_reactivation_are_announced(uow):
    user_id = uow.put(_profile())

    await change_user_access(_change(user_id, is_active=False), uow)
    await change_user_access(_change(user_id, version=2, is_active=True), uow)

    assert uow.events == [UserDeactivated(user_id=user_id), UserReactivated(user_id=user_id)]
    assert uow.profiles.rows[user_id].version == 3
    assert uow.changed_ids == [user_id, user_id]


async def test_role_and_activity_together_give_both_events(uow):
    user_id = uow.put(_profile(Role.MODERATOR))

    await change_user_access(_change(user_id, role=Role.USER, is_active=False), uow)

    assert uow.events == [
        UserRoleChanged(user_id=user_id, role="user", previous_role="moderator"),
        UserDeactivated(user_id=user_id),
    ]
    assert uow.profiles.rows[user_id].version == 2


@pytest.mark.parametrize(
    "changes",
    [{}, {"role": Role.MODERATOR}, {"is_active": True}, {"role": Role.MODERATOR, "is_active": True}],
)
async def test_a_change_to_the_current_values_changes_nothing(uow, changes):
    user_id = uow.put(_profile(Role.MODERATOR))

    returned = await change_user_access(_change(user_id, **changes), uow)

    assert returned.version == 1
    assert uow.profiles.rows[user_id].version == 1
    assert (uow.events, uow.changed_ids) == ([], [])


@pytest.mark.parametrize("expected_version", [0, 2, 99])
async def test_a_stale_version_is_refused_naming_the_current_etag(uow, expected_version):
    user_id = uow.put(_profile(version=3))

    with pytest.raises(StaleProfile) as raised:
        await change_user_access(_change(user_id, version=expected_version, role=Role.ADMIN), uow)

    assert raised.value.current_etag == '"3"'
    assert '"3"' in str(raised.value)
    assert (uow.profiles.rows[user_id].role, uow.events, uow.changed_ids) == (Role.USER, [], [])


async def test_an_unknown_user_is_not_found(uow):
    with pytest.raises(ProfileNotFound):
        await change_user_access(_change(uuid.uuid4(), role=Role.ADMIN), uow)

    assert uow.events == []


@pytest.mark.parametrize(
    "changes",
    [
        {"role": Role.MODERATOR},
        {"role": Role.USER},
        {"is_active": False},
        {"role": Role.USER, "is_active": False},
    ],
)
async def test_the_last_active_admin_is_never_removed(uow, changes):
    admin = uow.put(_profile(Role.ADMIN))
    uow.put(_profile(Role.ADMIN, is_active=False))

    with pytest.raises(LastActiveAdmin):
        await change_user_access(_change(admin, **changes), uow)

    stored = uow.profiles.rows[admin]
    assert (stored.role, stored.is_active, stored.version) == (Role.ADMIN, True, 1)
    assert (uow.events, uow.changed_ids) == ([], [])
    assert uow.profiles.admin_locks == 1


async def test_an_admin_may_go_once_another_is_active(uow):
    admin = uow.put(_profile(Role.ADMIN))
    uow.put(_profile(Role.ADMIN))

    await change_user_access(_change(admin, role=Role.USER), uow)

    assert uow.profiles.rows[admin].role is Role.USER
    assert uow.events == [UserRoleChanged(user_id=admin, role="user", previous_role="admin")]
    assert uow.profiles.admin_locks == 1


async def test_an_inactive_admin_may_change_without_counting_admins(uow):
    inactive_admin = uow.put(_profile(Role.ADMIN, is_active=False))

    await change_user_access(_change(inactive_admin, role=Role.USER), uow)
    await change_user_access(_change(inactive_admin, version=2, role=Role.ADMIN, is_active=True), uow)

    assert uow.profiles.admin_locks == 0
    assert uow.profiles.rows[inactive_admin].is_active_admin


async def test_delete_erases_the_profile_and_announces_it(uow):
    user_id = uow.put(_profile())
    other = uow.put(_profile())

    await delete_user(DeleteUser(user_id=user_id), uow)

    assert list(uow.profiles.rows) == [other]
    assert uow.events == [UserDeleted(user_id=user_id)]
    assert uow.changed_ids == [user_id]
    assert uow.profiles.locked_for_update == [user_id]


async def test_deleting_an_unknown_user_is_not_found(uow):
    with pytest.raises(ProfileNotFound):
        await delete_user(DeleteUser(user_id=uuid.uuid4()), uow)

    assert (uow.events, uow.changed_ids) == ([], [])


async def test_the_last_active_admin_is_never_deleted(uow):
    admin = uow.put(_profile(Role.ADMIN))

    with pytest.raises(LastActiveAdmin):
        await delete_user(DeleteUser(user_id=admin), uow)

    assert admin in uow.profiles.rows
    assert uow.events == []


async def test_an_admin_is_deleted_once_another_is_active(uow):
    admin = uow.put(_profile(Role.ADMIN))
    uow.put(_profile(Role.ADMIN))

    await delete_user(DeleteUser(user_id=admin), uow)

    assert admin not in uow.profiles.rows
    assert uow.events == [UserDeleted(user_id=admin)]
    assert uow.profiles.admin_locks == 1
