"""The admin's ``PATCH /{id}`` (role, is_active; If-Match) and ``DELETE /{id}``, and their events."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import func, select

from switchyard.common.contracts import UserDeactivated, UserDeleted, UserReactivated, UserRoleChanged
from switchyard.users.adapters.cache import ProfileCache
from switchyard.users.adapters.orm import profiles
from switchyard.users.domain.commands import ChangeUserAccess
from switchyard.users.domain.errors import LastActiveAdmin
from switchyard.users.domain.model import Role
from switchyard.users.service_layer import handlers
from switchyard.users.service_layer.unit_of_work import UsersUnitOfWork

pytestmark = pytest.mark.integration


async def _patch(users, user_id, body, headers, etag: str | None = '"1"'):
    extra = {} if etag is None else {"If-Match": etag}
    return await users.client.patch(f"/{user_id}", json=body, headers={**headers, **extra})


async def _active_admins(users) -> int:
    async with users.db() as session:
        query = (
            select(func.count()).select_from(profiles).where(profiles.c.role == "admin", profiles.c.is_active)
        )
        return int((await session.execute(query)).scalar_one())


async def test_patch_without_if_match_is_428(module_users):
    users = module_users
    _, admin = await users.caller("admin")
    target = await users.create()

    response = await _patch(users, target, {"role": "moderator"}, admin, etag=None)

    assert "If-Match" in users.problem(response, 428)["detail"]
    assert (await users.row(target))["role"] == "user"


@pytest.mark.parametrize("etag", ['"7"', 'W/"9"', '"0"'])
async def test_a_stale_if_match_is_412_with_the_current_etag(module_users, etag):
    users = module_users
    _, admin = await users.caller("admin")
    target = await users.create()
    assert (await _patch(users, target, {"is_active": False}, admin)).headers["etag"] == '"2"'

    response = await _patch(users, target, {"role": "moderator"}, admin, etag=etag)

    body = users.problem(response, 412)
    assert response.headers["etag"] == '"2"'
    assert '"2"' in body["detail"]
    row = await users.row(target)
    assert (row["role"], row["version"]) == ("user", 2)


@pytest.mark.parametrize("etag", ['"abc"', "*", ""])
async def test_an_if_match_that_names_no_version_is_412(module_users, etag):
    users = module_users
    _, admin = await users.caller("admin")
    target = await users.create()

    response = await _patch(users, target, {"role": "moderator"}, admin, etag=etag)

    users.problem(response, 412)
    assert (await users.row(target))["role"] == "user"


async def test_the_etag_of_a_read_is_the_if_match_of_the_next_write(module_users):
    users = module_users
    _, admin = await users.caller("admin")
    target = await users.create()
    await _patch(users, target, {"role": "moderator"}, admin)

    etag = (await users.client.get(f"/{target}", headers=admin)).headers["etag"]
    response = await _patch(users, target, {"role": "user"}, admin, etag=etag)

    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"3"'


async def test_a_role_change_is_announced_with_the_previous_role_and_applies_at_once(module_users):
    users = module_users
    _, admin = await users.caller("admin")
    target, target_headers = await users.caller("user")
    assert (await users.client.get("/", headers=target_headers)).status_code == 403

    response = await _patch(users, target, {"role": "moderator"}, admin)

    assert response.status_code == 200, response.text
    assert (response.json()["role"], response.headers["etag"]) == ("moderator", '"2"')
    # The same token, unchanged: the role is read from the profile, whose cached copy was dropped.
    assert (await users.client.get("/", headers=target_headers)).status_code == 200
    assert (await users.client.get("/me", headers=target_headers)).json()["role"] == "moderator"
    (event,) = await users.wait_for_events(UserRoleChanged, target)
    assert event == UserRoleChanged(user_id=target, role="moderator", previous_role="user")


async def test_deactivation_then_reactivation_are_announced_in_order(module_users):
    users = module_users
    _, admin = await users.caller("admin")
    target, target_headers = await users.caller("user")
    assert (await users.client.get("/me", headers=target_headers)).status_code == 200

    deactivated = await _patch(users, target, {"is_active": False}, admin)
    refused = await users.client.get("/me", headers=target_headers)
    reactivated = await _patch(users, target, {"is_active": True}, admin, etag='"2"')
    allowed = await users.client.get("/me", headers=target_headers)

    assert (deactivated.status_code, deactivated.json()["is_active"]) == (200, False)
    assert users.problem(refused, 403)["title"] == "Account disabled"
    assert (reactivated.status_code, reactivated.json()["is_active"]) == (200, True)
    assert allowed.status_code == 200
    assert await users.wait_for_events(UserDeactivated, target) == [UserDeactivated(user_id=target)]
    assert await users.wait_for_events(UserReactivated, target) == [UserReactivated(user_id=target)]
    assert await users.events(UserRoleChanged, target) == []


async def test_a_patch_that_changes_nothing_keeps_the_version_and_emits_nothing(module_users):
    users = module_users
    _, admin = await users.caller("admin")
    target = await users.create(role="moderator")

    response = await _patch(users, target, {"role": "moderator", "is_active": True}, admin)
    then = await _patch(users, target, {"role": "user"}, admin)

    assert (response.status_code, response.headers["etag"]) == (200, '"1"')
    assert then.headers["etag"] == '"2"'
    (event,) = await users.wait_for_events(UserRoleChanged, target)
    assert event.previous_role == "moderator"


async def test_role_and_activity_in_one_patch_give_both_events(module_users):
    users = module_users
    _, admin = await users.caller("admin")
    target = await users.create()

    response = await _patch(users, target, {"role": "admin", "is_active": False}, admin)

    assert response.status_code == 200, response.text
    assert (response.json()["role"], response.json()["is_active"]) == ("admin", False)
    assert await users.wait_for_events(UserRoleChanged, target) == [
        UserRoleChanged(user_id=target, role="admin", previous_role="user")
    ]
    assert await users.wait_for_events(UserDeactivated, target) == [UserDeactivated(user_id=target)]


@pytest.mark.parametrize(
    "body",
    [{"role": "owner"}, {"is_active": "no"}, {"email": "x@example.com"}, {"role": None}],
    ids=["unknown-role", "not-a-bool", "unknown-field", "null-role"],
)
async def test_bad_access_bodies_are_422(module_users, body):
    users = module_users
    _, admin = await users.caller("admin")
    target = await users.create()

    response = await _patch(users, target, body, admin)

    users.problem(response, 422)
    assert (await users.row(target))["version"] == 1


async def test_the_last_active_admin_cannot_be_removed_until_another_exists(users):
    """A database of its own: the caller is the only admin (an inactive admin does not count)."""
    admin_id, admin = await users.caller("admin")
    await users.create(role="admin", is_active=False)

    demoted = await _patch(users, admin_id, {"role": "moderator"}, admin)
    deactivated = await _patch(users, admin_id, {"is_active": False}, admin)
    deleted = await users.client.delete(f"/{admin_id}", headers=admin)

    for response in (demoted, deactivated, deleted):
        body = users.problem(response, 409)
        assert body["title"] == "Last active admin"
    row = await users.row(admin_id)
    assert (row["role"], row["is_active"], row["version"]) == ("admin", True, 1)

    second = await users.create(role="admin")
    demoted = await _patch(users, admin_id, {"role": "moderator"}, admin)
    assert demoted.status_code == 200, demoted.text
    # Now the other admin is the last one, and the former admin may no longer act as one.
    assert users.problem(await users.client.delete(f"/{second}", headers=admin), 403)
    other = users.bearer(second, roles=["admin"])
    assert users.problem(await _patch(users, second, {"is_active": False}, other), 409)
    assert users.problem(await users.client.delete(f"/{second}", headers=other), 409)
    assert (await users.client.delete(f"/{admin_id}", headers=other)).status_code == 204
    assert await _active_admins(users) == 1


async def test_deleting_or_deactivating_one_of_two_admins_is_allowed(users):
    first, first_headers = await users.caller("admin")
    second = await users.create(role="admin")
    third = await users.create(role="admin")

    deactivated = await _patch(users, second, {"is_active": False}, first_headers)
    deleted = await users.client.delete(f"/{third}", headers=first_headers)

    assert (deactivated.status_code, deleted.status_code) == (200, 204)
    assert await _active_admins(users) == 1
    assert (await users.row(first))["is_active"] is True


async def test_concurrent_demotions_of_the_only_two_admins_leave_one(users):
    """Both admins are demoted at once, each by the other: at most one can win. The loser gets 409
    (it counted admins after the winner committed: the advisory lock) or 403 (its caller was already
    demoted when its request started); never both 200."""
    for _ in range(5):
        first, first_headers = await users.caller("admin")
        second, second_headers = await users.caller("admin")

        responses = await asyncio.gather(
            _patch(users, second, {"role": "user"}, first_headers),
            _patch(users, first, {"role": "user"}, second_headers),
        )

        statuses = sorted(r.status_code for r in responses)
        assert statuses in ([200, 403], [200, 409]), [r.text for r in responses]
        assert await _active_admins(users) == 1
        # Leave no admin behind for the next round.
        async with users.db.begin() as session:
            await session.execute(profiles.delete())


async def test_the_admin_lock_serialises_handlers_that_race_past_the_caller_check(users):
    """The same race below HTTP, so neither side can lose early on its caller check: exactly one
    demotion commits and the other raises LastActiveAdmin."""
    cache = ProfileCache(users.redis)
    for _ in range(10):
        admins = [await users.create(role="admin") for _ in range(2)]

        async def demote(user_id: uuid.UUID) -> str:
            uow = UsersUnitOfWork(users.db, cache)
            async with uow:
                try:
                    await handlers.change_user_access(
                        ChangeUserAccess(user_id=user_id, expected_version=1, role=Role.USER), uow
                    )
                except LastActiveAdmin:
                    return "refused"
                await uow.commit()
            return "demoted"

        outcomes = await asyncio.gather(*(demote(a) for a in admins))

        assert sorted(outcomes) == ["demoted", "refused"]
        assert await _active_admins(users) == 1
        async with users.db.begin() as session:
            await session.execute(profiles.delete())


async def test_delete_erases_the_profile_and_announces_it(module_users):
    users = module_users
    _, admin = await users.caller("admin")
    target, target_headers = await users.caller("user")
    assert (await users.client.get(f"/{target}", headers=admin)).status_code == 200  # now cached

    response = await users.client.delete(f"/{target}", headers=admin)

    assert (response.status_code, response.content) == (204, b"")
    assert await users.row(target) is None
    users.problem(await users.client.get(f"/{target}", headers=admin), 404)
    users.problem(await users.client.get("/me", headers=target_headers), 404)
    assert await users.wait_for_events(UserDeleted, target) == [UserDeleted(user_id=target)]
    users.problem(await users.client.delete(f"/{target}", headers=admin), 404)


@pytest.mark.parametrize("role", ["admin", "moderator"])
async def test_an_unknown_id_is_404_for_staff(module_users, role):
    users = module_users
    _, headers = await users.caller(role)

    response = await users.client.get(f"/{uuid.uuid4()}", headers=headers)

    assert users.problem(response, 404)["detail"] == "No user with this id."


async def test_writes_to_an_unknown_id_are_404(module_users):
    users = module_users
    _, admin = await users.caller("admin")
    unknown = uuid.uuid4()

    users.problem(await _patch(users, unknown, {"role": "moderator"}, admin), 404)
    users.problem(await users.client.delete(f"/{unknown}", headers=admin), 404)


async def test_a_path_id_that_is_not_a_uuid_is_not_found(module_users):
    users = module_users
    _, admin = await users.caller("admin")

    response = await users.client.get("/not-a-uuid", headers=admin)

    users.problem(response, 404)
