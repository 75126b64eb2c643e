"""The auth service running in-process on its own database, topics and Redis, and a client for it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import msgspec
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchyard.auth.bootstrap import bootstrap
from switchyard.auth.settings import AuthSettings
from switchyard.common.runtime import ServiceSettings

# A password zxcvbn scores 4; tests add a suffix to make each one different.
STRONG = "amber falcon drifts over quiet harbor"


@dataclass
class RunningAuth:
    client: httpx.AsyncClient
    settings: ServiceSettings
    auth: AuthSettings
    db: async_sessionmaker[AsyncSession]
    redis: Redis
    counter: list[int] = field(default_factory=lambda: [0])

    def unique(self, prefix: str = "user") -> str:
        self.counter[0] += 1
        return f"{prefix}{self.counter[0]}{uuid.uuid4().hex[:8]}"

    async def register(
        self, *, email: str | None = None, username: str | None = None, password: str = STRONG, **extra: Any
    ) -> dict[str, Any]:
        """Register a fresh account; returns the request body plus the response's id."""
        name = username or self.unique()
        body = {"email": email or f"{name}@example.com", "username": name, "password": password, **extra}
        response = await self.client.post("/register", json=body)
        assert response.status_code == 201, response.text
        return {**body, "id": response.json()["id"]}

    async def token(self, **form: str) -> httpx.Response:
        return await self.client.post("/token", data=form)

    async def login(self, login: str, password: str = STRONG, **extra: str) -> dict[str, Any]:
        response = await self.token(grant_type="password", username=login, password=password, **extra)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    @staticmethod
    def bearer(tokens: dict[str, Any]) -> dict[str, str]:
        return {"authorization": f"Bearer {tokens['access_token']}"}


type StartAuth = Callable[..., Awaitable[RunningAuth]]


@pytest.fixture
def start_auth(make_service_settings, make_database, start_app, redis_url: str) -> StartAuth:
    """``auth = await start_auth(login_max_failures=3, ...)``: AUTH_* settings as keywords."""

    async def start(**overrides: Any) -> RunningAuth:
        settings = await make_service_settings()
        auth = msgspec.structs.replace(AuthSettings(), **overrides)
        client = await start_app(bootstrap(settings, auth=auth))
        redis = Redis.from_url(redis_url)
        return RunningAuth(
            client=client,
            settings=settings,
            auth=auth,
            db=make_database.sessions(settings.database.url),
            redis=redis,
        )

    return start


@pytest.fixture
async def auth(start_auth: StartAuth) -> RunningAuth:
    return await start_auth()
