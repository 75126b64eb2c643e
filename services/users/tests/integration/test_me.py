"""``GET /me`` on users, with bearer tokens issued by a real auth process and checked against its JWKS.

auth runs as ``python -m switchyard.auth`` (it needs a TCP port: users fetches its JWKS over HTTP);
users runs in-process with ``JWKS_URL`` pointing at it. Both share the test's topics and Redis, so
a registration reaches users through Kafka and a logout reaches users' verifier through the denylist.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import msgspec
import pytest
from redis.asyncio import Redis
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchyard.common.http import PROBLEM_JSON
from switchyard.common.runtime.settings import JwtSettings
from switchyard.users.adapters.cache import ProfileCache
from switchyard.users.adapters.orm import profiles
from switchyard.users.bootstrap import bootstrap as users_app

pytestmark = pytest.mark.integration

PASSWORD = "amber falcon drifts over quiet harbor"


@dataclass
class Services:
    auth: httpx.AsyncClient
    users: httpx.AsyncClient
    users_db: async_sessionmaker[AsyncSession]
    redis: Redis

    async def register_and_log_in(self) -> tuple[dict[str, Any], dict[str, str]]:
        """A fresh account (the registration body plus its id) and a bearer header for it."""
        name = f"ada{uuid.uuid4().hex[:10]}"
        body = {"email": f"{name}@example.com", "username": name, "password": PASSWORD, "full_name": "Ada L"}
        registered = await self.auth.post("/register", json=body)
        assert registered.status_code == 201, registered.text
        form = {"grant_type": "password", "username": name, "password": PASSWORD}
        tokens = await self.auth.post("/token", data=form)
        assert tokens.status_code == 200, tokens.text
        return {**body, "id": registered.json()["id"]}, {
            "authorization": f"Bearer {tokens.json()['access_token']}"
        }

    async def wait_for_profile(self, bearer: dict[str, str], wait_until) -> httpx.Response:
        """``GET /me`` once the profile exists (users consumes AccountRegistered asynchronously)."""
        answers: list[httpx.Response] = []

        async def found() -> bool:
            answers.append(await self.users.get("/me", headers=bearer))
            assert answers[-1].status_code in (200, 404), answers[-1].text
            return answers[-1].status_code == 200

        await wait_until(found)
        return answers[-1]


@pytest.fixture
async def services(
    make_service_settings, make_database, start_service, start_app, redis_url: str
) -> AsyncIterator[Services]:
    auth = await start_service("auth", await make_service_settings())
    users_settings = msgspec.structs.replace(
        await make_service_settings(), jwt=JwtSettings(jwks_url=f"{auth.base_url}/.well-known/jwks.json")
    )
    users = await start_app(users_app(users_settings))
    redis = Redis.from_url(redis_url)
    async with httpx.AsyncClient(base_url=auth.base_url) as auth_client:
        yield Services(auth_client, users, make_database.sessions(users_settings.database.url), redis)
    await redis.aclose()


async def test_me_returns_the_callers_profile(services: Services, wait_until):
    account, bearer = await services.register_and_log_in()

    response = await services.wait_for_profile(bearer, wait_until)

    me = response.json()
    assert {k: me[k] for k in ("id", "email", "username", "full_name")} == {
        k: account[k] for k in ("id", "email", "username", "full_name")
    }
    assert (me["role"], me["is_active"], me["email_verified"]) == ("user", True, False)


async def test_me_without_a_token_is_401_with_a_bearer_challenge(services: Services):
    response = await services.users.get("/me")

    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_me_with_a_token_of_an_ended_session_is_401(services: Services, wait_until):
    _, bearer = await services.register_and_log_in()
    await services.wait_for_profile(bearer, wait_until)

    logout = await services.auth.post("/logout", headers=bearer)
    assert logout.status_code == 204, logout.text
    response = await services.users.get("/me", headers=bearer)

    assert response.status_code == 401, response.text
    assert response.json()["detail"] == "Invalid access token: token revoked."


async def test_me_without_a_profile_is_a_404_problem(services: Services, wait_until):
    account, bearer = await services.register_and_log_in()
    await services.wait_for_profile(bearer, wait_until)
    async with services.users_db.begin() as session:
        await session.execute(delete(profiles).where(profiles.c.id == uuid.UUID(account["id"])))
    # Deleted behind the service's back, so its cached copy is dropped by hand too.
    await ProfileCache(services.redis).invalidate(uuid.UUID(account["id"]))

    response = await services.users.get("/me", headers=bearer)

    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["status"] == 404
