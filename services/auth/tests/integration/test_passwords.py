"""Changing a password while signed in, and forgetting and resetting one by emailed token."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from switchyard.auth.adapters.orm import one_time_tokens
from switchyard.common.contracts import EmailVerified, PasswordChanged, PasswordResetRequested
from switchyard.common.http import PROBLEM_JSON

pytestmark = pytest.mark.integration

# conftest.STRONG (conftest modules are not importable under --import-mode=importlib).
STRONG = "amber falcon drifts over quiet harbor"
NEW = f"{STRONG} beneath violet lanterns"


def _assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


async def _assert_invalid_grant(auth, **form: str) -> None:
    response = await auth.token(**form)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant"


async def _forgot(auth, email: str) -> Any:
    response = await auth.client.post("/password/forgot", json={"email": email})
    assert response.status_code == 202, response.text
    return response


async def _reset_tokens(published, account_id: str, count: int) -> list[str]:
    """The tokens of the account's PasswordResetRequested events, oldest first, once there are ``count``."""
    events = await published(
        PasswordResetRequested, where=lambda e: str(e.account_id) == account_id, count=count
    )
    return [event.token for event in events]


async def test_change_keeps_the_callers_session_and_ends_the_others(auth, published) -> None:
    account = await auth.register()
    mine, other = await auth.login(account["username"]), await auth.login(account["email"])

    response = await auth.client.post(
        "/password/change",
        json={"current_password": STRONG, "new_password": NEW},
        headers=auth.bearer(mine),
    )

    assert response.status_code == 204, response.text
    await _assert_invalid_grant(auth, grant_type="password", username=account["username"], password=STRONG)
    await auth.login(account["username"], NEW)
    await _assert_invalid_grant(auth, grant_type="refresh_token", refresh_token=other["refresh_token"])
    assert (await auth.client.get("/sessions", headers=auth.bearer(other))).status_code == 401
    assert (await auth.client.get("/sessions", headers=auth.bearer(mine))).status_code == 200
    refreshed = await auth.token(grant_type="refresh_token", refresh_token=mine["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    (changed,) = await published(PasswordChanged)
    assert (str(changed.account_id), changed.email, changed.reason) == (
        account["id"],
        account["email"],
        "changed",
    )


async def test_change_with_a_wrong_current_password_is_forbidden(auth) -> None:
    account = await auth.register()
    tokens = await auth.login(account["username"])

    response = await auth.client.post(
        "/password/change",
        json={"current_password": f"{STRONG} not", "new_password": NEW},
        headers=auth.bearer(tokens),
    )

    _assert_problem(response, 403)
    await auth.login(account["username"])  # the password did not change


async def test_change_to_a_password_breaking_the_policy_names_the_field(auth) -> None:
    account = await auth.register()
    tokens = await auth.login(account["username"])

    response = await auth.client.post(
        "/password/change",
        json={"current_password": STRONG, "new_password": "too short"},
        headers=auth.bearer(tokens),
    )

    body = _assert_problem(response, 422)
    assert [error["path"] for error in body["errors"]] == ["body.new_password"]
    await auth.login(account["username"])


async def test_forgot_answers_alike_and_mails_only_existing_accounts(auth, published, relayed) -> None:
    account = await auth.register()

    unknown = await _forgot(auth, f"nobody-{uuid.uuid4().hex[:8]}@example.com")
    known = await _forgot(auth, account["email"].upper())

    assert unknown.json() == known.json()
    await relayed(auth)
    (requested,) = await published(PasswordResetRequested)
    assert (str(requested.account_id), requested.email) == (account["id"], account["email"])
    assert requested.token


async def test_reset_ends_every_session_and_sets_the_new_password(auth, published) -> None:
    account = await auth.register()
    sessions = [await auth.login(account["username"]) for _ in range(2)]
    await _forgot(auth, account["email"])
    (token,) = await _reset_tokens(published, account["id"], 1)

    response = await auth.client.post("/password/reset", json={"token": token, "new_password": NEW})

    assert response.status_code == 204, response.text
    for tokens in sessions:
        assert (await auth.client.get("/sessions", headers=auth.bearer(tokens))).status_code == 401
        await _assert_invalid_grant(auth, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    await _assert_invalid_grant(auth, grant_type="password", username=account["username"], password=STRONG)
    await auth.login(account["username"], NEW)
    (changed,) = await published(PasswordChanged)
    assert (str(changed.account_id), changed.reason) == (account["id"], "reset")
    # Following the emailed link proved the address: users learns it like any verification.
    (verified,) = await published(EmailVerified)
    assert str(verified.account_id) == account["id"]

    again = await auth.client.post("/password/reset", json={"token": token, "new_password": f"{NEW} twice"})
    _assert_problem(again, 400)
    await auth.login(account["username"], NEW)


async def test_an_expired_reset_token_is_refused(auth, published) -> None:
    account = await auth.register()
    await _forgot(auth, account["email"])
    (token,) = await _reset_tokens(published, account["id"], 1)
    async with auth.db.begin() as session:
        await session.execute(
            update(one_time_tokens)
            .where(one_time_tokens.c.account_id == uuid.UUID(account["id"]))
            .where(one_time_tokens.c.purpose == "reset-password")
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )

    response = await auth.client.post("/password/reset", json={"token": token, "new_password": NEW})

    _assert_problem(response, 400)
    await auth.login(account["username"])


async def test_a_second_forgot_invalidates_the_first_token(auth, published) -> None:
    account = await auth.register()
    await _forgot(auth, account["email"])
    await _forgot(auth, account["email"])
    first, second = await _reset_tokens(published, account["id"], 2)

    stale = await auth.client.post("/password/reset", json={"token": first, "new_password": NEW})
    fresh = await auth.client.post("/password/reset", json={"token": second, "new_password": NEW})

    _assert_problem(stale, 400)
    assert fresh.status_code == 204, fresh.text
    await auth.login(account["username"], NEW)


async def test_a_rejected_new_password_leaves_the_token_usable(auth, published) -> None:
    account = await auth.register()
    await _forgot(auth, account["email"])
    (token,) = await _reset_tokens(published, account["id"], 1)

    weak = await auth.client.post("/password/reset", json={"token": token, "new_password": "too short"})

    body = _assert_problem(weak, 422)
    assert [error["path"] for error in body["errors"]] == ["body.new_password"]
    retried = await auth.client.post("/password/reset", json={"token": token, "new_password": NEW})
    assert retried.status_code == 204, retried.text
    await auth.login(account["username"], NEW)
