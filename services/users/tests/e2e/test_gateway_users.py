"""Users through the running stack's gateway (`make up`): a registration becomes a profile, and the
bootstrap admin finds, re-roles and erases the new user. How fast the profile comes (the issue's 2 s)
is measured by bench/event_latency.py, not here."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest

from switchyard.common.testing import wait_until
from switchyard.common.testing.gateway import Gateway

pytestmark = pytest.mark.e2e

PASSWORD = "copper lantern sways above misty canal"
# Give-up time for anything that goes through Kafka: generous, as the box may be loaded.
EVENTUALLY_S = 30.0


@pytest.fixture
async def http(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


async def _log_in(http: httpx.AsyncClient, gateway: Gateway, username: str, password: str) -> dict[str, Any]:
    response = await http.post(
        gateway.api("/auth/token"),
        data={"grant_type": "password", "username": username, "password": password},
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"authorization": f"Bearer {tokens['access_token']}"}


def _roles(tokens: dict[str, Any]) -> list[str]:
    """The token's roles claim; read, not verified (auth's own e2e test checks the signature)."""
    claims: dict[str, Any] = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    return list(claims["roles"])


async def test_a_registration_is_a_profile_and_an_admin_manages_it(http: httpx.AsyncClient, gateway: Gateway):
    name = f"gwu{uuid.uuid4().hex[:10]}"
    registered = await http.post(
        gateway.api("/auth/register"),
        json={"email": f"{name}@example.com", "username": name, "password": PASSWORD, "full_name": "Gw User"},
    )
    assert registered.status_code == 201, registered.text
    user_id = registered.json()["id"]
    user = _bearer(await _log_in(http, gateway, name, PASSWORD))

    async def profile_exists() -> bool:
        response = await http.get(gateway.api("/users/me"), headers=user)
        assert response.status_code in (200, 404), response.text
        return response.status_code == 200

    await wait_until(profile_exists, within=EVENTUALLY_S, interval=0.1)

    admin = _bearer(await _log_in(http, gateway, gateway.admin_email, gateway.admin_password))
    found = await http.get(gateway.api("/users/"), params={"q": name}, headers=admin)
    assert found.status_code == 200, found.text
    assert [item["id"] for item in found.json()["items"]] == [user_id]

    read = await http.get(gateway.api(f"/users/{user_id}"), headers=admin)
    assert read.status_code == 200, read.text
    etag = read.headers["etag"]
    assert read.json()["role"] == "user"
    changed = await http.patch(
        gateway.api(f"/users/{user_id}"), json={"role": "moderator"}, headers={**admin, "if-match": etag}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["role"] == "moderator"
    assert changed.headers["etag"] != etag
    stale = await http.patch(
        gateway.api(f"/users/{user_id}"), json={"role": "user"}, headers={**admin, "if-match": etag}
    )
    assert stale.status_code == 412, stale.text
    assert stale.headers["etag"] == changed.headers["etag"]

    # Auth follows the role change by event: a login from then on carries the new role.
    moderator: list[dict[str, Any]] = []

    async def relogged_as_moderator() -> bool:
        moderator[:] = [await _log_in(http, gateway, name, PASSWORD)]
        return _roles(moderator[0]) == ["moderator"]

    await wait_until(relogged_as_moderator, within=EVENTUALLY_S)
    me = await http.get(gateway.api("/users/me"), headers=_bearer(moderator[0]))
    assert me.status_code == 200, me.text
    assert me.json()["role"] == "moderator"

    deleted = await http.delete(gateway.api(f"/users/{user_id}"), headers=admin)

    assert deleted.status_code == 204, deleted.text
    # At once the profile is gone (404); once auth has erased the account, the token itself is refused.
    gone = await http.get(gateway.api("/users/me"), headers=_bearer(moderator[0]))
    assert gone.status_code in (401, 404), gone.text

    async def token_refused() -> bool:
        response = await http.get(gateway.api("/users/me"), headers=_bearer(moderator[0]))
        assert response.status_code in (401, 404), response.text
        return response.status_code == 401

    await wait_until(token_refused, within=EVENTUALLY_S)
    login = await http.post(
        gateway.api("/auth/token"), data={"grant_type": "password", "username": name, "password": PASSWORD}
    )
    assert login.status_code == 400, login.text
    assert login.json()["error"] == "invalid_grant"
    assert (await http.get(gateway.api(f"/users/{user_id}"), headers=admin)).status_code == 404
