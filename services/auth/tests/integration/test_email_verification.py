"""Verifying an email address with the token mailed at registration, and asking for a new one."""

from __future__ import annotations

from typing import Any

import pytest

from switchyard.common.contracts import EmailVerificationRequested, EmailVerified
from switchyard.common.http import PROBLEM_JSON

pytestmark = pytest.mark.integration


async def _verification_requests(published, account_id: str, count: int) -> list[EmailVerificationRequested]:
    requests: list[EmailVerificationRequested] = await published(
        EmailVerificationRequested, where=lambda e: str(e.account_id) == account_id, count=count
    )
    return requests


async def _verify(auth, token: str) -> Any:
    return await auth.client.post("/email/verify", json={"token": token})


def _assert_bad_token(response: Any) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)


async def test_the_registration_token_verifies_once(auth, published, claims) -> None:
    account = await auth.register()
    tokens = await auth.login(account["username"])
    assert (await claims(auth, tokens))["email_verified"] is False
    (requested,) = await _verification_requests(published, account["id"], 1)
    assert requested.resent is False

    response = await _verify(auth, requested.token)

    assert response.status_code == 204, response.text
    (verified,) = await published(EmailVerified)
    assert (str(verified.account_id), verified.email) == (account["id"], account["email"])
    refreshed = await auth.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert (await claims(auth, refreshed.json()))["email_verified"] is True
    assert (await claims(auth, await auth.login(account["email"])))["email_verified"] is True
    _assert_bad_token(await _verify(auth, requested.token))


async def test_resend_issues_a_new_token_and_retires_the_old_one(auth, published) -> None:
    account = await auth.register()
    tokens = await auth.login(account["username"])

    response = await auth.client.post("/email/verify/resend", headers=auth.bearer(tokens))

    assert response.status_code == 202, response.text
    first, second = await _verification_requests(published, account["id"], 2)
    assert (first.resent, second.resent) == (False, True)
    assert second.token != first.token
    _assert_bad_token(await _verify(auth, first.token))
    assert (await _verify(auth, second.token)).status_code == 204


async def test_resend_once_verified_conflicts(auth, published) -> None:
    account = await auth.register()
    tokens = await auth.login(account["username"])
    (requested,) = await _verification_requests(published, account["id"], 1)
    assert (await _verify(auth, requested.token)).status_code == 204

    response = await auth.client.post("/email/verify/resend", headers=auth.bearer(tokens))

    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
