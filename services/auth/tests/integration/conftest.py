"""The auth service running in-process on its own database, topics and Redis, and a client for it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import msgspec
import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchyard.auth.bootstrap import bootstrap
from switchyard.auth.settings import AuthSettings
from switchyard.common.contracts import (
    IntegrationEvent,
    decode_envelope,
    decode_event_as,
    encode_envelope,
    to_envelope,
)
from switchyard.common.db.tables import OUTBOX
from switchyard.common.messaging import KafkaSettings
from switchyard.common.runtime import ServiceSettings
from switchyard.common.runtime.settings import PruningSettings
from switchyard.common.testing import publish_raw

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
    """``auth = await start_auth(login_max_failures=3, ...)``: AUTH_* settings as keywords
    (``pruning=`` replaces the shared PruningSettings)."""

    async def start(pruning: PruningSettings | None = None, **overrides: Any) -> RunningAuth:
        settings = await make_service_settings()
        if pruning is not None:
            settings = msgspec.structs.replace(settings, pruning=pruning)
        # Every test client is 127.0.0.1 and the counters live in one Redis for the whole run, so the
        # per-IP limit would add up across tests; a test about that limit sets it (and clears the key).
        overrides.setdefault("login_ip_max_failures", 1_000_000)
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


type Published = Callable[..., Awaitable[list[Any]]]


@pytest.fixture
def published(kafka_settings: KafkaSettings, read_topic, wait_until) -> Published:
    """``events = await published(PasswordChanged, where=lambda e: ..., count=1)``.

    The decoded events of that type on its topic that ``where`` accepts, once there are ``count``.
    """

    async def events(
        event_type: type[IntegrationEvent],
        *,
        where: Callable[[Any], bool] = lambda _event: True,
        count: int = 1,
        within: float = 30.0,
    ) -> list[Any]:
        found: list[Any] = []

        async def enough() -> bool:
            records = await read_topic(kafka_settings.topic(event_type.TOPIC))
            decoded = (decode_event_as(decode_envelope(r.value or b""), event_type) for r in records)
            found[:] = [event for event in decoded if where(event)]
            return len(found) >= count

        await wait_until(enough, within=within)
        return found

    return events


type Relayed = Callable[[RunningAuth], Awaitable[None]]


@pytest.fixture
def relayed(wait_until) -> Relayed:
    """``await relayed(auth)``: every event auth committed so far is on Kafka (its outbox is empty).

    What a test waits for before asserting that some event was *not* published.
    """

    async def drained(running: RunningAuth) -> None:
        async def empty() -> bool:
            async with running.db() as session:
                return (await session.execute(select(func.count()).select_from(OUTBOX))).scalar_one() == 0

        await wait_until(empty)

    return drained


type Deliver = Callable[..., Awaitable[None]]


@pytest.fixture
def deliver(kafka_settings: KafkaSettings) -> Deliver:
    """``await deliver(UserDeactivated(user_id=...), source="users")``: publish as its producer would."""

    async def publish(event: IntegrationEvent, *, source: str) -> None:
        payload = encode_envelope(to_envelope(event, source=source))
        topic = kafka_settings.topic(event.TOPIC)
        await publish_raw(kafka_settings, topic, payload, key=event.partition_key.encode())

    return publish


type Claims = Callable[[RunningAuth, dict[str, Any]], Awaitable[dict[str, Any]]]


@pytest.fixture
def claims() -> Claims:
    """``await claims(auth, tokens)``: the access token's claims, verified against auth's published JWKS."""

    async def verified(running: RunningAuth, tokens: dict[str, Any]) -> dict[str, Any]:
        access_token = tokens["access_token"]
        jwks = jwt.PyJWKSet.from_dict((await running.client.get("/.well-known/jwks.json")).json())
        key = jwks[jwt.get_unverified_header(access_token)["kid"]]
        decoded: dict[str, Any] = jwt.decode(
            access_token,
            key,
            algorithms=["ES256"],
            audience=running.settings.jwt.jwt_audience,
            issuer=running.settings.jwt.jwt_issuer,
        )
        return decoded

    return verified
