"""Accounts made in auth become users profiles: self sign-up, email verification, invitation by import.

auth runs as a real process (users fetches its JWKS over HTTP), users in-process; both share the
test's topics and Redis and nothing else, so everything reaches users as auth's events on Kafka.
The 2-second target for a profile is checked through the gateway (tests/e2e); here the time taken
is only recorded.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchyard.common.contracts import (
    EmailVerificationRequested,
    ImportRowsProcessed,
    ImportRowsSubmitted,
    IntegrationEvent,
    InvitationIssued,
    SubmittedRow,
    UserCreated,
    UserEmailVerified,
    decode_envelope,
    decode_event_as,
    encode_envelope,
    to_envelope,
)
from switchyard.common.messaging import KafkaSettings, dead_letter_topic
from switchyard.common.runtime.settings import JwtSettings
from switchyard.common.testing import publish_raw
from switchyard.users.adapters.orm import profiles
from switchyard.users.bootstrap import bootstrap as users_app

pytestmark = pytest.mark.integration

PASSWORD = "amber falcon drifts over quiet harbor"
# Generous: an eventually consistent read, not a latency check (that is the gateway test's).
PROFILE_WITHIN_S = 10.0


@dataclass
class Services:
    auth: httpx.AsyncClient
    users: httpx.AsyncClient
    users_db: async_sessionmaker[AsyncSession]
    kafka: KafkaSettings
    read_topic: Any
    wait_until: Any

    async def register(self) -> dict[str, Any]:
        name = f"ada{uuid.uuid4().hex[:10]}"
        body = {"email": f"{name}@example.com", "username": name, "password": PASSWORD, "full_name": "Ada L"}
        registered = await self.auth.post("/register", json=body)
        assert registered.status_code == 201, registered.text
        return {**body, "id": registered.json()["id"]}

    async def bearer(self, username: str) -> dict[str, str]:
        form = {"grant_type": "password", "username": username, "password": PASSWORD}
        tokens = await self.auth.post("/token", data=form)
        assert tokens.status_code == 200, tokens.text
        return {"authorization": f"Bearer {tokens.json()['access_token']}"}

    async def me_once(
        self, bearer: dict[str, str], ready: Callable[[dict[str, Any]], bool]
    ) -> dict[str, Any]:
        """``GET /me`` until the profile exists and ``ready`` accepts it."""
        seen: list[dict[str, Any]] = []

        async def arrived() -> bool:
            response = await self.users.get("/me", headers=bearer)
            assert response.status_code in (200, 404), response.text
            if response.status_code == 404:
                return False
            seen.append(response.json())
            return ready(seen[-1])

        await self.wait_until(arrived, within=PROFILE_WITHIN_S)
        return seen[-1]

    async def published(
        self, event_type: type[IntegrationEvent], where: Callable[[Any], bool], count: int = 1
    ) -> list[Any]:
        """The events of that type satisfying ``where``, once there are ``count`` of them."""
        found: list[Any] = []

        async def enough() -> bool:
            records = await self.read_topic(self.kafka.topic(event_type.TOPIC))
            decoded = (decode_event_as(decode_envelope(r.value or b""), event_type) for r in records)
            found[:] = [event for event in decoded if where(event)]
            return len(found) >= count

        await self.wait_until(enough)
        return found

    async def deliver(self, event: IntegrationEvent, *, source: str) -> None:
        payload = encode_envelope(to_envelope(event, source=source))
        await publish_raw(
            self.kafka, self.kafka.topic(event.TOPIC), payload, key=event.partition_key.encode()
        )

    async def no_dead_letters(self) -> None:
        for service in ("auth", "users"):
            assert await self.read_topic(self.kafka.topic(dead_letter_topic(service))) == [], service


@pytest.fixture
async def services(
    make_service_settings,
    make_database,
    start_service,
    start_app,
    kafka_settings: KafkaSettings,
    read_topic,
    wait_until,
) -> AsyncIterator[Services]:
    auth = await start_service("auth", await make_service_settings())
    users_settings = msgspec.structs.replace(
        await make_service_settings(), jwt=JwtSettings(jwks_url=f"{auth.base_url}/.well-known/jwks.json")
    )
    users = await start_app(users_app(users_settings))
    async with httpx.AsyncClient(base_url=auth.base_url) as auth_client:
        yield Services(
            auth=auth_client,
            users=users,
            users_db=make_database.sessions(users_settings.database.url),
            kafka=kafka_settings,
            read_topic=read_topic,
            wait_until=wait_until,
        )


async def test_a_registration_becomes_a_profile(services: Services, record_property):
    started = time.monotonic()
    account = await services.register()
    bearer = await services.bearer(account["username"])

    me = await services.me_once(bearer, lambda _profile: True)

    elapsed = time.monotonic() - started
    record_property("registration_to_profile_s", round(elapsed, 3))
    print(f"registration -> profile: {elapsed:.3f} s")
    assert {k: me[k] for k in ("id", "email", "username", "full_name")} == {
        k: account[k] for k in ("id", "email", "username", "full_name")
    }
    assert (me["role"], me["is_active"], me["email_verified"]) == ("user", True, False)
    (created,) = await services.published(UserCreated, lambda e: str(e.user_id) == account["id"])
    assert (created.email, created.username, created.role) == (account["email"], account["username"], "user")
    await services.no_dead_letters()


async def test_verifying_the_email_in_auth_marks_the_profile_verified(services: Services):
    account = await services.register()
    bearer = await services.bearer(account["username"])
    await services.me_once(bearer, lambda profile: profile["email_verified"] is False)
    (requested,) = await services.published(
        EmailVerificationRequested, lambda e: str(e.account_id) == account["id"]
    )

    verified = await services.auth.post("/email/verify", json={"token": requested.token})

    assert verified.status_code == 204, verified.text
    me = await services.me_once(bearer, lambda profile: profile["email_verified"] is True)
    assert me["id"] == account["id"]
    (event,) = await services.published(UserEmailVerified, lambda e: str(e.user_id) == account["id"])
    assert event.user_id == uuid.UUID(account["id"])
    await services.no_dead_letters()


async def test_an_invited_account_gets_a_profile_with_the_rows_role(services: Services):
    name = f"grace{uuid.uuid4().hex[:10]}"
    email = f"{name}@example.com"
    row = ImportRowsSubmitted(
        import_id=uuid.uuid4(),
        notify=True,
        partition_email=email,
        rows=[
            SubmittedRow(
                row_number=1,
                email=email,
                username=name,
                full_name="Grace Hopper",
                role="moderator",
            )
        ],
    )

    await services.deliver(row, source="ingest")

    (answered,) = await services.published(ImportRowsProcessed, lambda e: e.import_id == row.import_id)
    (answer,) = answered.rows
    assert (answer.row_number, answer.outcome, answer.code) == (1, "created", None)
    account_id = answer.account_id

    async def profile_stored() -> bool:
        async with services.users_db() as session:
            query = select(profiles.c.id).where(profiles.c.id == account_id)
            return (await session.execute(query)).first() is not None

    await services.wait_until(profile_stored, within=PROFILE_WITHIN_S)
    (created,) = await services.published(UserCreated, lambda e: e.user_id == account_id)
    assert (created.email, created.username, created.role) == (email, name, "moderator")

    # The invitee accepts, logs in for the first time and sees the profile the row described.
    (invitation,) = await services.published(InvitationIssued, lambda e: e.account_id == account_id)
    accepted = await services.auth.post(
        "/invitations/accept", json={"token": invitation.token, "password": PASSWORD}
    )
    assert accepted.status_code == 204, accepted.text
    bearer = await services.bearer(name)
    # Accepting the invitation proves the address: auth's EmailVerified follows.
    me = await services.me_once(bearer, lambda profile: profile["email_verified"] is True)
    assert (me["id"], me["email"], me["username"], me["full_name"], me["role"], me["is_active"]) == (
        str(account_id),
        email,
        name,
        "Grace Hopper",
        "moderator",
        True,
    )
    await services.no_dead_letters()
