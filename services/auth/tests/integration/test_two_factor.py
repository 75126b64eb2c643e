"""TOTP two-factor authentication: enrolment, logins with a code or a backup code, replay, disabling.

A TOTP code is accepted once and only for a time step later than the last one accepted (the
confirmation's, then each login's), so a test logs in with the *next* step's code, which the
server takes within its one-step drift allowance.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest

from switchyard.common.http import PROBLEM_JSON

pytestmark = pytest.mark.integration

# conftest.STRONG (conftest modules are not importable under --import-mode=importlib).
STRONG = "amber falcon drifts over quiet harbor"
STEP_S = 30


def _next_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(time.time() + STEP_S)


def _wrong_code(secret: str) -> str:
    """Six digits that match no step the server would accept now."""
    totp, now = pyotp.TOTP(secret), time.time()
    near = {totp.at(now + offset * STEP_S) for offset in range(-2, 3)}
    return next(
        code for code in ("000000", "111111", "222222", "333333", "444444", "555555") if code not in near
    )


async def _enrol(auth, tokens: dict[str, Any]) -> tuple[str, list[str]]:
    """Turn TOTP on; the secret and the backup codes."""
    started = await auth.client.post("/2fa/totp", json={"password": STRONG}, headers=auth.bearer(tokens))
    assert started.status_code == 201, started.text
    secret = started.json()["secret"]
    confirmed = await auth.client.post(
        "/2fa/totp/confirm", json={"code": pyotp.TOTP(secret).now()}, headers=auth.bearer(tokens)
    )
    assert confirmed.status_code == 200, confirmed.text
    codes: list[str] = confirmed.json()["backup_codes"]
    return secret, codes


async def _password_grant(auth, account: dict[str, Any], **extra: str) -> Any:
    return await auth.token(grant_type="password", username=account["username"], password=STRONG, **extra)


def _assert_invalid_grant(response: Any) -> str:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant"
    description: str = response.json()["error_description"]
    return description


async def test_enrolment_returns_an_otpauth_uri_and_ten_backup_codes(auth) -> None:
    account = await auth.register()
    tokens = await auth.login(account["username"])

    started = await auth.client.post("/2fa/totp", json={"password": STRONG}, headers=auth.bearer(tokens))

    assert started.status_code == 201, started.text
    secret, uri = started.json()["secret"], urlparse(started.json()["otpauth_uri"])
    query = parse_qs(uri.query)
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert unquote(uri.path) == f"/Switchyard:{account['email']}"
    assert (query["secret"], query["issuer"]) == ([secret], ["Switchyard"])
    confirmed = await auth.client.post(
        "/2fa/totp/confirm", json={"code": pyotp.TOTP(secret).now()}, headers=auth.bearer(tokens)
    )
    assert confirmed.status_code == 200, confirmed.text
    codes = confirmed.json()["backup_codes"]
    assert len(codes) == len(set(codes)) == 10
    again = await auth.client.post("/2fa/totp", json={"password": STRONG}, headers=auth.bearer(tokens))
    assert again.status_code == 409, again.text
    assert again.headers["content-type"].startswith(PROBLEM_JSON)


async def test_enrolment_needs_the_password_so_a_stolen_token_cannot_lock_the_owner_out(auth) -> None:
    account = await auth.register()
    tokens = await auth.login(account["username"])

    wrong = await auth.client.post(
        "/2fa/totp", json={"password": f"{STRONG} not"}, headers=auth.bearer(tokens)
    )
    missing = await auth.client.post("/2fa/totp", json={}, headers=auth.bearer(tokens))

    assert wrong.status_code == 403, wrong.text
    assert missing.status_code == 422, missing.text
    assert (await _password_grant(auth, account)).status_code == 200, "TOTP must still be off"


async def test_confirming_with_a_wrong_code_leaves_totp_off(auth) -> None:
    account = await auth.register()
    tokens = await auth.login(account["username"])
    started = await auth.client.post("/2fa/totp", json={"password": STRONG}, headers=auth.bearer(tokens))
    secret = started.json()["secret"]

    response = await auth.client.post(
        "/2fa/totp/confirm", json={"code": _wrong_code(secret)}, headers=auth.bearer(tokens)
    )

    assert response.status_code == 422, response.text
    assert [error["path"] for error in response.json()["errors"]] == ["body.code"]
    assert (await _password_grant(auth, account)).status_code == 200


async def test_login_needs_a_fresh_totp_code(auth) -> None:
    account = await auth.register()
    secret, _codes = await _enrol(auth, await auth.login(account["username"]))

    missing = _assert_invalid_grant(await _password_grant(auth, account))
    code = _next_code(secret)
    accepted = await _password_grant(auth, account, otp=code)
    replayed = await _password_grant(auth, account, otp=code)

    assert "code is required" in missing
    assert accepted.status_code == 200, accepted.text
    _assert_invalid_grant(replayed)


async def test_wrong_codes_count_toward_the_lockout(start_auth) -> None:
    auth = await start_auth(login_max_failures=3)
    account = await auth.register()
    secret, _codes = await _enrol(auth, await auth.login(account["username"]))

    for _ in range(3):
        _assert_invalid_grant(await _password_grant(auth, account, otp=_wrong_code(secret)))
    locked = await _password_grant(auth, account, otp=_next_code(secret))

    assert locked.status_code == 429, locked.text
    assert locked.headers["content-type"].startswith(PROBLEM_JSON)
    assert int(locked.headers["retry-after"]) > 0


async def test_a_backup_code_works_once(auth) -> None:
    account = await auth.register()
    _secret, codes = await _enrol(auth, await auth.login(account["username"]))

    first = await _password_grant(auth, account, otp=codes[0])
    second = await _password_grant(auth, account, otp=codes[0])

    assert first.status_code == 200, first.text
    _assert_invalid_grant(second)
    assert (await _password_grant(auth, account, otp=codes[1].upper())).status_code == 200


async def test_disabling_needs_the_password(auth) -> None:
    account = await auth.register()
    tokens = await auth.login(account["username"])
    await _enrol(auth, tokens)

    wrong = await auth.client.post(
        "/2fa/totp/disable", json={"password": f"{STRONG} not"}, headers=auth.bearer(tokens)
    )
    still_on = await _password_grant(auth, account)
    right = await auth.client.post(
        "/2fa/totp/disable", json={"password": STRONG}, headers=auth.bearer(tokens)
    )

    assert wrong.status_code == 403, wrong.text
    assert wrong.headers["content-type"].startswith(PROBLEM_JSON)
    _assert_invalid_grant(still_on)
    assert right.status_code == 204, right.text
    assert (await _password_grant(auth, account)).status_code == 200


async def test_with_an_encryption_key_the_seed_is_sealed_at_rest_and_still_works(start_auth) -> None:
    from cryptography.fernet import Fernet
    from sqlalchemy import select

    from switchyard.auth.adapters.orm import accounts

    auth = await start_auth(totp_encryption_key=Fernet.generate_key().decode())
    account = await auth.register()
    tokens = await auth.login(account["username"])
    secret, _codes = await _enrol(auth, tokens)

    async with auth.db() as session:
        stored = (
            await session.execute(
                select(accounts.c.totp_secret).where(accounts.c.username == account["username"])
            )
        ).scalar_one()
    assert stored.startswith("fernet:")
    assert secret not in stored
    next_step = pyotp.TOTP(secret).at(time.time() + STEP_S)
    assert (await _password_grant(auth, account, otp=next_step)).status_code == 200
