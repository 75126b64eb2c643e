"""Brute-force limits hold under concurrency and on every path that checks a password."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from switchyard.auth.adapters.orm import accounts
from switchyard.auth.adapters.throttle import _key as throttle_key
from switchyard.common.contracts import AccountLocked, PasswordResetRequested

pytestmark = pytest.mark.integration

# conftest.STRONG cannot be imported under --import-mode=importlib.
STRONG = "amber falcon drifts over quiet harbor"
NEW = "velvet glacier hums beneath copper skies"
CLIENT_IP = "127.0.0.1"


def _wrong(auth, login: str, n: int):
    return auth.token(grant_type="password", username=login, password=f"{STRONG} wrong {n}")


async def test_concurrent_guesses_cannot_get_past_the_limit(start_auth, published, relayed) -> None:
    auth = await start_auth(login_max_failures=5, login_window_s=60, login_lockout_s=60)
    account = await auth.register()

    responses = await asyncio.gather(*(_wrong(auth, account["username"], n) for n in range(40)))

    statuses = [r.status_code for r in responses]
    # Each attempt is counted before its password is checked, so at most five are ever checked.
    assert statuses.count(400) <= 5, statuses
    assert statuses.count(400) + statuses.count(429) == 40, statuses
    assert all("retry-after" in r.headers for r in responses if r.status_code == 429)
    await relayed(auth)
    locked = await published(AccountLocked, where=lambda e: str(e.account_id) == account["id"])
    assert len(locked) == 1, "one lockout, one security email"
    right = await auth.token(grant_type="password", username=account["username"], password=STRONG)
    assert right.status_code == 429


async def test_wrong_current_passwords_lock_the_account_and_tell_the_owner(start_auth, published) -> None:
    auth = await start_auth(login_max_failures=3, login_window_s=60, login_lockout_s=60)
    account = await auth.register()
    tokens = await auth.login(account["username"])

    statuses = []
    for n in range(4):
        change = {"current_password": f"{STRONG} wrong {n}", "new_password": NEW}
        statuses.append(
            (await auth.client.post("/password/change", json=change, headers=auth.bearer(tokens))).status_code
        )

    assert statuses == [403, 403, 403, 429]
    (locked,) = await published(AccountLocked, where=lambda e: str(e.account_id) == account["id"])
    assert locked.failed_attempts == 3


async def test_a_password_reset_lifts_a_lock(start_auth, published) -> None:
    auth = await start_auth(login_max_failures=2, login_window_s=600, login_lockout_s=600)
    account = await auth.register()
    for n in range(2):
        assert (await _wrong(auth, account["username"], n)).status_code == 400
    assert (await _wrong(auth, account["username"], 3)).status_code == 429

    assert (await auth.client.post("/password/forgot", json={"email": account["email"]})).status_code == 202
    (reset,) = await published(PasswordResetRequested, where=lambda e: str(e.account_id) == account["id"])
    done = await auth.client.post("/password/reset", json={"token": reset.token, "new_password": NEW})
    assert done.status_code == 204, done.text

    assert (
        await auth.token(grant_type="password", username=account["username"], password=NEW)
    ).status_code == 200


async def test_failures_from_one_address_across_names_hit_the_ip_limit(start_auth) -> None:
    auth = await start_auth(login_ip_max_failures=3, login_max_failures=100)
    await auth.redis.delete(throttle_key("ip", CLIENT_IP))
    try:
        account = await auth.register()
        names = [f"nobody-{uuid.uuid4().hex[:8]}" for _ in range(3)]
        assert [(await _wrong(auth, name, 0)).status_code for name in names] == [400, 400, 400]

        blocked = await auth.token(grant_type="password", username=account["username"], password=STRONG)

        assert blocked.status_code == 429
        assert 0 < int(blocked.headers["retry-after"]) <= auth.auth.login_window_s
    finally:
        await auth.redis.delete(throttle_key("ip", CLIENT_IP))


async def test_a_success_gives_its_ip_reservation_back(start_auth) -> None:
    auth = await start_auth(login_ip_max_failures=3)
    await auth.redis.delete(throttle_key("ip", CLIENT_IP))
    try:
        account = await auth.register()
        for _ in range(5):
            await auth.login(account["username"])
        assert int(await auth.redis.get(throttle_key("ip", CLIENT_IP)) or 0) == 0
    finally:
        await auth.redis.delete(throttle_key("ip", CLIENT_IP))


async def test_the_right_password_of_a_disabled_account_gets_403(start_auth) -> None:
    auth = await start_auth()
    account = await auth.register()
    async with auth.db() as session, session.begin():
        await session.execute(
            accounts.update().where(accounts.c.username == account["username"]).values(is_active=False)
        )

    response = await auth.token(grant_type="password", username=account["username"], password=STRONG)

    assert response.status_code == 403
    assert response.json()["title"] == "Account disabled"
