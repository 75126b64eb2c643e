"""Right to erasure: an admin's ``DELETE /{id}`` on users leaves nothing about the person anywhere.

auth runs as a real process (users fetches its JWKS over HTTP); users, notifications and ingest run
in-process. All four share the test's topic prefix and Redis, each has its own database, so the
deletion reaches auth, notifications and ingest only as users' UserDeleted event on Kafka. People
who register hold nothing in ingest but its scan below; ingest forgetting whom an import onboarded is
tested with ingest (``test_whom_an_import_onboarded_is_forgotten_when_users_erases_them``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import msgspec
import pyotp
import pytest
from redis.asyncio import Redis
from sqlalchemy import Table, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchyard.auth.adapters.orm import accounts, backup_codes, one_time_tokens, refresh_tokens, sessions
from switchyard.common.contracts import UserDeleted, decode_envelope, decode_event_as
from switchyard.common.db.tables import OUTBOX
from switchyard.common.messaging import KafkaSettings, dead_letter_topic
from switchyard.common.runtime.settings import JwtSettings
from switchyard.ingest.bootstrap import bootstrap as ingest_app
from switchyard.notifications.adapters.orm import deliveries
from switchyard.notifications.bootstrap import bootstrap as notifications_app
from switchyard.users.adapters.cache import ProfileCache
from switchyard.users.adapters.orm import profiles
from switchyard.users.bootstrap import bootstrap as users_app

pytestmark = pytest.mark.integration

PASSWORD = "amber falcon drifts over quiet harbor"
SERVICES = ("auth", "users", "notifications", "ingest")

type Sessions = async_sessionmaker[AsyncSession]
type Rows = dict[str, list[tuple[Any, ...]]]


@dataclass
class Person:
    id: uuid.UUID
    username: str
    full_name: str
    bearer: dict[str, str]
    refresh_token: str


@dataclass
class Platform:
    auth: httpx.AsyncClient
    users: httpx.AsyncClient
    db: dict[str, Sessions]
    redis: Redis

    async def register(self, prefix: str) -> Person:
        """A fresh account through auth's HTTP API, logged in."""
        name = f"{prefix}{uuid.uuid4().hex[:10]}"
        body = {
            "email": f"{name}@example.com",
            "username": name,
            "password": PASSWORD,
            "full_name": f"Person {name}",
        }
        registered = await self.auth.post("/register", json=body)
        assert registered.status_code == 201, registered.text
        tokens = await self.log_in(name)
        return Person(
            id=uuid.UUID(registered.json()["id"]),
            username=name,
            full_name=body["full_name"],
            bearer=_bearer(tokens),
            refresh_token=tokens["refresh_token"],
        )

    async def log_in(self, username: str) -> dict[str, Any]:
        """A new session: its access and refresh tokens."""
        form = {"grant_type": "password", "username": username, "password": PASSWORD}
        tokens = await self.auth.post("/token", data=form)
        assert tokens.status_code == 200, tokens.text
        result: dict[str, Any] = tokens.json()
        return result

    async def refresh(self, refresh_token: str) -> httpx.Response:
        return await self.auth.post(
            "/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token}
        )

    async def enrol_totp(self, person: Person) -> None:
        """Turn on two-factor sign-in, so auth also holds backup codes for the person."""
        started = await self.auth.post("/2fa/totp", json={"password": PASSWORD}, headers=person.bearer)
        assert started.status_code == 201, started.text
        confirmed = await self.auth.post(
            "/2fa/totp/confirm",
            json={"code": pyotp.TOTP(started.json()["secret"]).now()},
            headers=person.bearer,
        )
        assert confirmed.status_code == 200, confirmed.text

    async def make_admin(self, person: Person) -> None:
        """Users takes the caller's role from its own profile: promote there, behind the service's back."""
        async with self.db["users"].begin() as session:
            await session.execute(update(profiles).where(profiles.c.id == person.id).values(role="admin"))
        await ProfileCache(self.redis).invalidate(person.id)

    async def everywhere(self, person: Person) -> bool:
        """The person has a profile and a delivery (auth's account is given)."""
        rows = await self.rows(person.id, session_ids=[])
        return all(rows[table] for table in ("profiles", "deliveries"))

    async def session_ids(self, person: Person) -> list[uuid.UUID]:
        async with self.db["auth"]() as session:
            query = select(sessions.c.id).where(sessions.c.account_id == person.id)
            return list((await session.execute(query)).scalars())

    async def rows(self, person_id: uuid.UUID, *, session_ids: Sequence[uuid.UUID]) -> Rows:
        """Every row any service holds about the person, by table.

        Refresh tokens belong to sessions, so they are also looked up by ``session_ids`` noted
        earlier: once the sessions are gone, a join would find nothing even if tokens remained.
        """
        known_sessions = select(sessions.c.id).where(sessions.c.account_id == person_id)
        queries: dict[str, tuple[str, Any]] = {
            "accounts": ("auth", select(accounts).where(accounts.c.id == person_id)),
            "sessions": ("auth", select(sessions).where(sessions.c.account_id == person_id)),
            "refresh_tokens": (
                "auth",
                select(refresh_tokens).where(
                    refresh_tokens.c.session_id.in_(known_sessions)
                    | refresh_tokens.c.session_id.in_(list(session_ids))
                ),
            ),
            "one_time_tokens": (
                "auth",
                select(one_time_tokens).where(one_time_tokens.c.account_id == person_id),
            ),
            "backup_codes": ("auth", select(backup_codes).where(backup_codes.c.account_id == person_id)),
            "profiles": ("users", select(profiles).where(profiles.c.id == person_id)),
            "deliveries": ("notifications", select(deliveries).where(deliveries.c.user_id == person_id)),
        }
        found: Rows = {}
        for table, (service, query) in queries.items():
            async with self.db[service]() as session:
                found[table] = sorted(tuple(row) for row in (await session.execute(query)).all())
        return found

    async def mentions(self, needles: Sequence[str]) -> dict[str, int]:
        """Rows in any table of any service's database whose text contains one of ``needles``."""
        counts: dict[str, int] = {}
        for service, sessions_ in self.db.items():
            async with sessions_() as session:
                tables = (
                    await session.execute(
                        text(
                            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                            " AND tablename <> 'alembic_version'"
                        )
                    )
                ).scalars()
                for table in list(tables):
                    matches = " OR ".join(
                        f"position(lower(:n{i}) in lower(r::text)) > 0" for i in range(len(needles))
                    )
                    statement = text(f'SELECT count(*) FROM "{table}" AS r WHERE {matches}')
                    params = {f"n{i}": needle for i, needle in enumerate(needles)}
                    count = int((await session.execute(statement, params)).scalar_one())
                    if count:
                        counts[f"{service}.{table}"] = count
        return counts

    async def outbox_empty(self, service: str) -> bool:
        return await _count(self.db[service], OUTBOX) == 0


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"authorization": f"Bearer {tokens['access_token']}"}


async def _count(sessions_: Sessions, table: Table) -> int:
    async with sessions_() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


@pytest.fixture
async def platform(
    make_service_settings, make_database, start_service, start_app, redis_url: str
) -> AsyncIterator[Platform]:
    auth_settings = await make_service_settings()
    auth = await start_service("auth", auth_settings)
    users_settings = msgspec.structs.replace(
        await make_service_settings(), jwt=JwtSettings(jwks_url=f"{auth.base_url}/.well-known/jwks.json")
    )
    notifications_settings, ingest_settings = await make_service_settings(), await make_service_settings()
    users = await start_app(users_app(users_settings))
    for app in (notifications_app(notifications_settings), ingest_app(ingest_settings)):
        assert (await (await start_app(app)).get("/health/ready")).status_code == 200
    db = {
        service: make_database.sessions(settings.database.url)
        for service, settings in zip(
            SERVICES, (auth_settings, users_settings, notifications_settings, ingest_settings), strict=True
        )
    }
    redis = Redis.from_url(redis_url)
    async with httpx.AsyncClient(base_url=auth.base_url) as auth_client:
        yield Platform(auth_client, users, db, redis)
    await redis.aclose()


async def test_deleting_a_user_erases_them_from_all_four_services(
    platform: Platform, kafka_settings: KafkaSettings, read_topic, wait_until
):
    admin, bystander, victim = [await platform.register(p) for p in ("admin", "bystander", "victim")]
    # More for auth to erase: a second session, backup codes, a refresh token already exchanged.
    other_session = await platform.log_in(victim.username)
    await platform.enrol_totp(victim)
    refreshed = await platform.refresh(victim.refresh_token)
    assert refreshed.status_code == 200, refreshed.text
    for person in (admin, bystander, victim):
        await wait_until(lambda person=person: platform.everywhere(person))
    await platform.make_admin(admin)
    victim_sessions = await platform.session_ids(victim)
    before = await platform.rows(victim.id, session_ids=victim_sessions)
    assert all(before.values()), {table: len(rows) for table, rows in before.items()}
    others_before = {p.id: await platform.rows(p.id, session_ids=[]) for p in (admin, bystander)}
    needles = [str(victim.id), victim.username, victim.full_name]
    # The scan below finds what it looks for: before the deletion, in each service holding the person.
    assert {"auth.accounts", "users.profiles", "notifications.deliveries"} <= set(
        await platform.mentions(needles)
    )

    response = await platform.users.delete(f"/{victim.id}", headers=admin.bearer)

    assert response.status_code == 204, response.text

    async def erased() -> bool:
        rows = await platform.rows(victim.id, session_ids=victim_sessions)
        return not any(rows.values()) and all([await platform.outbox_empty(s) for s in SERVICES])

    await wait_until(erased)
    assert await platform.rows(victim.id, session_ids=victim_sessions) == {table: [] for table in before}
    assert await platform.mentions(needles) == {}
    for person in (admin, bystander):
        assert await platform.rows(person.id, session_ids=[]) == others_before[person.id]

    deleted = [
        decode_event_as(decode_envelope(record.value or b""), UserDeleted)
        for record in await read_topic(kafka_settings.topic(UserDeleted.TOPIC))
    ]
    assert [event.user_id for event in deleted] == [victim.id]

    for bearer in (victim.bearer, _bearer(other_session), _bearer(refreshed.json())):
        refused_by_auth = await platform.auth.get("/sessions", headers=bearer)
        assert refused_by_auth.status_code == 401, refused_by_auth.text
        refused_by_users = await platform.users.get("/me", headers=bearer)
        assert refused_by_users.status_code == 401, refused_by_users.text
    for refresh_token in (other_session["refresh_token"], refreshed.json()["refresh_token"]):
        no_refresh = await platform.refresh(refresh_token)
        assert no_refresh.status_code == 400, no_refresh.text
        assert no_refresh.json()["error"] == "invalid_grant"
    assert (await platform.users.get(f"/{victim.id}", headers=admin.bearer)).status_code == 404
    assert (await ProfileCache(platform.redis).get(victim.id))[0] is None

    for person in (admin, bystander):
        me = await platform.users.get("/me", headers=person.bearer)
        assert me.status_code == 200, me.text
        assert me.json()["id"] == str(person.id)
    for service in SERVICES:
        assert await read_topic(kafka_settings.topic(dead_letter_topic(service))) == [], service
