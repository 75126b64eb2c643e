"""Auth follows what the users service decides: role changes, deactivation, reactivation and deletion."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from sqlalchemy import Table, func, select

from switchyard.auth.adapters.orm import accounts, one_time_tokens, refresh_tokens, sessions
from switchyard.common.contracts import (
    IntegrationEvent,
    UserDeactivated,
    UserDeleted,
    UserReactivated,
    UserRoleChanged,
    encode_envelope,
    to_envelope,
)
from switchyard.common.http import PROBLEM_JSON
from switchyard.common.messaging import dead_letter_topic
from switchyard.common.testing import committed_offsets, publish_raw

pytestmark = pytest.mark.integration

# conftest.STRONG (conftest modules are not importable under --import-mode=importlib).
STRONG = "amber falcon drifts over quiet harbor"


async def _account_row(auth, account_id: uuid.UUID) -> Any:
    async with auth.db() as session:
        return (await session.execute(select(accounts).where(accounts.c.id == account_id))).first()


async def _rows_of(auth, table: Table, account_id: uuid.UUID) -> int:
    """Rows of ``table`` belonging to the account (refresh tokens through their session)."""
    query = select(func.count()).select_from(table)
    if table is refresh_tokens:
        query = query.join(sessions, sessions.c.id == refresh_tokens.c.session_id)
        query = query.where(sessions.c.account_id == account_id)
    else:
        query = query.where(table.c.account_id == account_id)
    async with auth.db() as session:
        return int((await session.execute(query)).scalar_one())


async def _deliver_at(kafka_settings, event: IntegrationEvent, occurred_at: datetime) -> None:
    """Publish as the users service would have, had it decided at ``occurred_at``."""
    payload = encode_envelope(to_envelope(event, source="users", occurred_at=occurred_at))
    topic = kafka_settings.topic(event.TOPIC)
    await publish_raw(kafka_settings, topic, payload, key=event.partition_key.encode())


async def test_a_role_change_refuses_the_old_access_token_and_reaches_the_next(
    auth, deliver, wait_until, claims
) -> None:
    account = await auth.register()
    tokens = await auth.login(account["username"])
    account_id = uuid.UUID(account["id"])
    issued_at = jwt.decode(tokens["access_token"], options={"verify_signature": False})["iat"]
    assert (await auth.client.get("/sessions", headers=auth.bearer(tokens))).status_code == 200

    # iat has whole seconds and a token of the change's own second is accepted (denylist.issued_before),
    # so the change must come in a later second than the old token for that token to be refused.
    async def next_second() -> bool:
        return bool(int(time.time()) > issued_at)

    await wait_until(next_second, within=3)
    await deliver(UserRoleChanged(user_id=account_id, role="moderator", previous_role="user"), source="users")

    async def changed() -> bool:
        return bool((await _account_row(auth, account_id)).role == "moderator")

    # The "not before" is written before the role is committed, so it is in place once the role is.
    await wait_until(changed)
    assert (await claims(auth, tokens))["roles"] == ["user"]
    refused = await auth.client.get("/sessions", headers=auth.bearer(tokens))
    assert refused.status_code == 401, refused.text
    assert 'error_description="token revoked"' in refused.headers["www-authenticate"]

    # The session lives on: its refresh token yields a token with the new role, which is accepted.
    refreshed = await auth.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert (await claims(auth, refreshed.json()))["roles"] == ["moderator"]
    accepted = await auth.client.get("/sessions", headers=auth.bearer(refreshed.json()))
    assert accepted.status_code == 200, accepted.text


async def test_deactivation_ends_sessions_and_refuses_logins_until_reactivated(
    auth, deliver, wait_until
) -> None:
    account = await auth.register()
    tokens = await auth.login(account["username"])
    account_id = uuid.UUID(account["id"])

    await deliver(UserDeactivated(user_id=account_id), source="users")

    async def inactive() -> bool:
        return not (await _account_row(auth, account_id)).is_active

    await wait_until(inactive)
    assert (await auth.client.get("/sessions", headers=auth.bearer(tokens))).status_code == 401
    refreshed = await auth.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 400, refreshed.text
    assert refreshed.json()["error"] == "invalid_grant"
    refused = await auth.token(grant_type="password", username=account["username"], password=STRONG)
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"].startswith(PROBLEM_JSON)
    assert refused.json()["title"] == "Account disabled"

    await deliver(UserReactivated(user_id=account_id), source="users")

    async def active() -> bool:
        return bool((await _account_row(auth, account_id)).is_active)

    await wait_until(active)
    await auth.login(account["username"])


async def test_an_older_reactivation_arriving_after_a_newer_deactivation_is_ignored(
    auth, kafka_settings, wait_until
) -> None:
    """The two decisions travel on two topics, so they may arrive in either order: the newer one wins."""
    account = await auth.register()
    account_id = uuid.UUID(account["id"])
    deactivated_at = datetime.now(UTC)
    reactivated_at = deactivated_at - timedelta(seconds=30)

    await _deliver_at(kafka_settings, UserDeactivated(user_id=account_id), deactivated_at)

    async def inactive() -> bool:
        return not (await _account_row(auth, account_id)).is_active

    await wait_until(inactive)
    await _deliver_at(kafka_settings, UserReactivated(user_id=account_id), reactivated_at)

    async def reactivation_consumed() -> bool:
        topic = kafka_settings.topic(UserReactivated.TOPIC)
        return await committed_offsets(kafka_settings, "auth.on_user_reactivated", topic) >= 1

    await wait_until(reactivation_consumed)
    row = await _account_row(auth, account_id)
    assert (row.is_active, row.status_changed_at) == (False, deactivated_at)
    refused = await auth.token(grant_type="password", username=account["username"], password=STRONG)
    assert refused.status_code == 403, refused.text
    assert refused.json()["title"] == "Account disabled"


async def test_deletion_erases_the_account_and_everything_it_held(auth, deliver, wait_until) -> None:
    account = await auth.register()
    tokens = await auth.login(account["username"])
    await auth.login(account["email"])
    forgot = await auth.client.post("/password/forgot", json={"email": account["email"]})
    assert forgot.status_code == 202, forgot.text
    account_id = uuid.UUID(account["id"])
    held = {table.name: await _rows_of(auth, table, account_id) for table in (sessions, refresh_tokens)}
    # The verification token of the registration and the reset token just asked for.
    assert (held, await _rows_of(auth, one_time_tokens, account_id)) == (
        {"sessions": 2, "refresh_tokens": 2},
        2,
    )

    await deliver(UserDeleted(user_id=account_id), source="users")

    async def erased() -> bool:
        return await _account_row(auth, account_id) is None

    await wait_until(erased)
    for table in (sessions, refresh_tokens, one_time_tokens):
        assert await _rows_of(auth, table, account_id) == 0, table.name
    assert (await auth.client.get("/sessions", headers=auth.bearer(tokens))).status_code == 401
    refreshed = await auth.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.json()["error"] == "invalid_grant"


async def test_events_about_unknown_users_are_consumed_harmlessly(
    auth, deliver, kafka_settings, read_topic, wait_until
) -> None:
    bystander = await auth.register()
    nobody = uuid.uuid4()
    events: dict[str, IntegrationEvent] = {
        "auth.on_user_role_changed": UserRoleChanged(user_id=nobody, role="admin", previous_role="user"),
        "auth.on_user_deactivated": UserDeactivated(user_id=nobody),
        "auth.on_user_reactivated": UserReactivated(user_id=nobody),
        "auth.on_user_deleted": UserDeleted(user_id=nobody),
    }
    for event in events.values():
        await deliver(event, source="users")

    async def all_consumed() -> bool:
        for consumer, event in events.items():
            topic = kafka_settings.topic(event.TOPIC)
            if await committed_offsets(kafka_settings, consumer, topic) < 1:
                return False
        return True

    await wait_until(all_consumed)
    assert await read_topic(kafka_settings.topic(dead_letter_topic("auth"))) == []
    assert await _account_row(auth, nobody) is None
    await auth.login(bystander["username"])
