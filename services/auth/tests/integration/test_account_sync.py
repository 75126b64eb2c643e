"""Auth follows what the users service decides: role changes, deactivation, reactivation and deletion."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import Table, func, select

from switchyard.auth.adapters.orm import accounts, one_time_tokens, refresh_tokens, sessions
from switchyard.common.contracts import (
    IntegrationEvent,
    UserDeactivated,
    UserDeleted,
    UserReactivated,
    UserRoleChanged,
)
from switchyard.common.http import PROBLEM_JSON
from switchyard.common.messaging import dead_letter_topic
from switchyard.common.testing import committed_offsets

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


async def test_a_role_change_reaches_the_next_token(auth, deliver, wait_until, claims) -> None:
    account = await auth.register()
    tokens = await auth.login(account["username"])
    account_id = uuid.UUID(account["id"])

    await deliver(UserRoleChanged(user_id=account_id, role="moderator", previous_role="user"), source="users")

    async def changed() -> bool:
        return bool((await _account_row(auth, account_id)).role == "moderator")

    await wait_until(changed)
    assert (await claims(auth, tokens))["roles"] == ["user"]
    refreshed = await auth.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert (await claims(auth, refreshed.json()))["roles"] == ["moderator"]


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
