"""``GET /me`` and ``PATCH /me``: the profile, its ETag, validation, events and the cache in front of it."""

from __future__ import annotations

import asyncio
import re

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select

from switchyard.common.contracts import UserProfileUpdated
from switchyard.common.db.tables import OUTBOX
from switchyard.common.testing import free_port
from switchyard.users.adapters.cache import ProfileCache
from switchyard.users.service_layer import queries
from switchyard.users.service_layer.unit_of_work import UsersUnitOfWork

pytestmark = pytest.mark.integration


async def test_me_is_the_callers_profile_with_its_etag(module_users):
    users = module_users
    user_id = await users.create(full_name="Ada Lovelace", email_verified=True)
    row = await users.row(user_id)

    response = await users.client.get("/me", headers=users.bearer(user_id))

    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"1"'
    assert response.headers["cache-control"] == "private, no-cache"
    me = response.json()
    assert me == {
        "id": str(user_id),
        "email": row["email"],
        "username": row["username"],
        "full_name": "Ada Lovelace",
        "role": "user",
        "is_active": True,
        "email_verified": True,
        "locale": None,
        "timezone": None,
        "created_at": me["created_at"],
        "updated_at": me["updated_at"],
    }
    assert me["created_at"] == row["created_at"].isoformat().replace("+00:00", "Z")


async def test_patch_me_changes_the_fields_and_announces_the_new_values(module_users):
    users = module_users
    user_id, headers = await users.caller()
    change = {"full_name": "  Grace Hopper ", "locale": "pt-BR", "timezone": "America/Sao_Paulo"}

    response = await users.client.patch("/me", json=change, headers=headers)

    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    body = response.json()
    assert (body["full_name"], body["locale"], body["timezone"]) == (
        "Grace Hopper",
        "pt-BR",
        "America/Sao_Paulo",
    )
    assert body["updated_at"] > body["created_at"]
    row = await users.row(user_id)
    assert (row["full_name"], row["locale"], row["timezone"], row["version"]) == (
        "Grace Hopper",
        "pt-BR",
        "America/Sao_Paulo",
        2,
    )
    (event,) = await users.wait_for_events(UserProfileUpdated, user_id)
    assert event == UserProfileUpdated(
        user_id=user_id, full_name="Grace Hopper", locale="pt-BR", timezone="America/Sao_Paulo"
    )


async def test_patch_me_with_null_clears_a_field_and_leaves_the_unsent_ones(module_users):
    users = module_users
    user_id = await users.create(full_name="Ada", locale="en", timezone="Europe/London")
    headers = users.bearer(user_id)

    response = await users.client.patch("/me", json={"locale": None}, headers=headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["full_name"], body["locale"], body["timezone"]) == ("Ada", None, "Europe/London")
    (event,) = await users.wait_for_events(UserProfileUpdated, user_id)
    assert (event.full_name, event.locale, event.timezone) == ("Ada", None, "Europe/London")


async def test_a_patch_that_changes_nothing_emits_nothing_and_keeps_the_etag(module_users):
    users = module_users
    user_id, headers = await users.caller()
    first = await users.client.patch("/me", json={"full_name": "Ada", "locale": "en"}, headers=headers)
    assert first.status_code == 200, first.text

    same = [
        await users.client.patch("/me", json=body, headers=headers)
        for body in ({"full_name": "Ada"}, {"full_name": " Ada  ", "locale": "en"}, {})
    ]
    last = await users.client.patch("/me", json={"full_name": "Ada B"}, headers=headers)

    assert [r.status_code for r in same] == [200, 200, 200]
    assert {r.headers["etag"] for r in same} == {'"2"'}
    assert last.headers["etag"] == '"3"'
    events = await users.wait_for_events(UserProfileUpdated, user_id, count=2)
    assert [e.full_name for e in events] == ["Ada", "Ada B"]
    assert (await users.row(user_id))["version"] == 3
    async with users.db() as session:
        assert (await session.execute(select(func.count()).select_from(OUTBOX))).scalar_one() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "new@example.com"),
        ("username", "newname"),
        ("role", "admin"),
        ("is_active", False),
        ("email", None),
    ],
)
async def test_fields_not_editable_here_are_422_naming_the_field(module_users, field, value):
    users = module_users
    user_id, headers = await users.caller()

    response = await users.client.patch("/me", json={"full_name": "X", field: value}, headers=headers)

    assert users.error_paths(response) == [f"body.{field}"]
    row = await users.row(user_id)
    assert (row["full_name"], row["role"], row["is_active"], row["version"]) == (None, "user", True, 1)


async def test_an_unknown_field_is_422(module_users):
    users = module_users
    user_id, headers = await users.caller()

    response = await users.client.patch("/me", json={"nickname": "Ada"}, headers=headers)

    body = users.problem(response, 422)
    # msgspec names the unknown field only in its message; the path is built from it.
    assert body["errors"] == [
        {"path": "body.nickname", "message": "Object contains unknown field `nickname`"}
    ]
    assert (await users.row(user_id))["version"] == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("locale", "english"),
        ("locale", "EN"),
        ("locale", "en_US"),
        ("locale", ""),
        ("timezone", "Mars/Olympus_Mons"),
        ("timezone", "europe/paris"),
        ("timezone", ""),
        ("full_name", "Ada\x00Lovelace"),
        ("full_name", "Ada\nLovelace"),
        ("full_name", "Ada\x7f"),
        ("full_name", "x" * 201),
        ("full_name", "x" * 401),
        ("full_name", 42),
        ("locale", ["en"]),
    ],
)
async def test_bad_values_are_422_naming_the_field(module_users, field, value):
    users = module_users
    user_id, headers = await users.caller()

    response = await users.client.patch("/me", json={field: value}, headers=headers)

    assert users.error_paths(response) == [f"body.{field}"]
    assert (await users.row(user_id))["version"] == 1


async def test_a_read_after_a_write_sees_the_write(module_users):
    users = module_users
    user_id, headers = await users.caller()
    _, admin = await users.caller("admin")
    # Fill the cache through every read path first.
    for path, caller in (("/me", headers), (f"/{user_id}", headers), (f"/{user_id}", admin)):
        assert (await users.client.get(path, headers=caller)).json()["full_name"] is None

    patched = await users.client.patch("/me", json={"full_name": "Fresh"}, headers=headers)

    assert patched.status_code == 200, patched.text
    for path, caller in (("/me", headers), (f"/{user_id}", headers), (f"/{user_id}", admin)):
        response = await users.client.get(path, headers=caller)
        assert (response.json()["full_name"], response.headers["etag"]) == ("Fresh", '"2"'), path


async def test_reads_racing_writes_see_the_last_write_once_it_returned(module_users):
    """Readers hammer ``GET /me`` and ``GET /{id}`` while PATCHes run one after another. A read that
    starts after the last PATCH answered must show its value; earlier reads show some written value."""
    users = module_users
    user_id, headers = await users.caller()
    _, admin = await users.caller("admin")
    names = [f"name {i}" for i in range(15)]
    done = asyncio.Event()
    seen: list[tuple[bool, int, str | None]] = []

    async def reader(path: str, caller: dict[str, str]) -> None:
        after = 0
        while after < 5:
            started_after_last_write = done.is_set()
            response = await users.client.get(path, headers=caller)
            seen.append((started_after_last_write, response.status_code, response.json().get("full_name")))
            after += started_after_last_write

    readers = [
        asyncio.create_task(reader("/me", headers) if i % 2 else reader(f"/{user_id}", admin))
        for i in range(10)
    ]
    for name in names:
        response = await users.client.patch("/me", json={"full_name": name}, headers=headers)
        assert response.status_code == 200, response.text
    done.set()
    await asyncio.gather(*readers)

    assert {status for _, status, _ in seen} == {200}
    assert {name for _, _, name in seen} <= {None, *names}
    late = [name for started_after, _, name in seen if started_after]
    assert len(late) >= 50
    assert set(late) == {names[-1]}


async def test_a_value_read_before_a_change_is_never_cached_after_it(module_users):
    """The race behind read-after-write, step by step on the real Redis: a reader misses and reads
    the database, the writer commits and invalidates, then the reader tries to store what it read."""
    users = module_users
    user_id = await users.create(full_name="Old")
    cache = ProfileCache(users.redis)
    uow = UsersUnitOfWork(users.db, cache)

    missed, generation = await cache.get(user_id)
    async with uow:
        old = await uow.profiles.get(user_id)
    assert old is not None
    await cache.invalidate(user_id)  # a writer's commit lands here
    await cache.put(old, generation)

    assert missed is None
    assert (await cache.get(user_id))[0] is None
    # A reader that started after the change stores its value.
    _, current = await cache.get(user_id)
    await cache.put(old, current)
    cached, _ = await cache.get(user_id)
    assert cached is not None
    assert cached.full_name == "Old"


def _cache_lookups(metrics_text: str) -> dict[str, float]:
    pattern = re.compile(r'^switchyard_users_profile_cache_total\{outcome="(\w+)"\} (\S+)$', re.MULTILINE)
    return {outcome: float(value) for outcome, value in pattern.findall(metrics_text)}


async def test_metrics_count_cache_hits_and_misses(module_users):
    users = module_users
    user_id, headers = await users.caller()
    before = _cache_lookups((await users.client.get("/metrics")).text)

    await users.client.get("/me", headers=headers)  # miss, then stored
    await users.client.get("/me", headers=headers)  # hit
    await users.client.get(f"/{user_id}", headers=headers)  # hit (the caller) + hit (the profile)
    await users.client.patch("/me", json={"full_name": "Counted"}, headers=headers)  # hit, then dropped
    await users.client.get("/me", headers=headers)  # miss

    after = _cache_lookups((await users.client.get("/metrics")).text)
    assert after["hit"] - before.get("hit", 0) == 4
    assert after["miss"] - before.get("miss", 0) == 2
    assert after.get("error", 0) == before.get("error", 0)


async def test_an_unreachable_cache_is_a_miss_that_reads_the_database(module_users):
    """Below HTTP (where bearer checks need the same Redis, see the next test): the read falls back
    to the database and counts an error."""
    users = module_users
    user_id = await users.create(full_name="Still Here")
    redis = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")
    unreachable = ProfileCache(redis)
    before = _cache_lookups((await users.client.get("/metrics")).text)

    try:
        profile = await queries.get_profile(user_id, UsersUnitOfWork(users.db, unreachable), unreachable)
    finally:
        await redis.aclose()

    assert profile is not None
    assert (profile.id, profile.full_name) == (user_id, "Still Here")
    after = _cache_lookups((await users.client.get("/metrics")).text)
    assert after["error"] - before.get("error", 0) == 1


async def test_with_redis_unreachable_bearer_requests_fail_closed_with_503(start_users):
    """users' Redis holds both the profile cache and the token denylist. With it unreachable, the
    bearer check cannot ask whether a token was revoked, so every authenticated request is refused
    with 503 before any profile (cached or not) is read; the cache's own fallback (a miss read from
    the database) is only reachable below HTTP (previous test). Anonymous requests still get 401."""
    users = await start_users(app_redis_url=f"redis://127.0.0.1:{free_port()}/0")
    user_id, headers = await users.caller()

    me = await users.client.get("/me", headers=headers)
    patched = await users.client.patch("/me", json={"full_name": "Nope"}, headers=headers)
    anonymous = await users.client.get("/me")

    for response in (me, patched):
        body = users.problem(response, 503)
        assert body["detail"] == "Access tokens cannot be verified right now."
        assert response.headers["retry-after"] == "5"
    users.problem(anonymous, 401)
    assert (await users.row(user_id))["version"] == 1
