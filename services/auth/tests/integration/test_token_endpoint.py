"""``POST /token`` (RFC 6749): the password and refresh-token grants, their errors and the JWT they mint."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import jwt
import pytest
from sqlalchemy import update

from switchyard.auth.adapters.orm import accounts

pytestmark = pytest.mark.integration

type Json = dict[str, Any]

# conftest.STRONG (conftest modules are not importable under --import-mode=importlib).
STRONG = "amber falcon drifts over quiet harbor"
BAD_CREDENTIALS = {"error": "invalid_grant", "error_description": "Invalid username or password."}


def _assert_oauth_error(response, error: str) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error
    assert body["error_description"]


async def _refresh(auth, refresh_token: str):
    return await auth.token(grant_type="refresh_token", refresh_token=refresh_token)


async def _decode(auth, access_token: str) -> Json:
    """The claims, verified by PyJWT with the key auth publishes (not by joserfc, which signed them)."""
    jwks = jwt.PyJWKSet.from_dict((await auth.client.get("/.well-known/jwks.json")).json())
    header = jwt.get_unverified_header(access_token)
    return jwt.decode(
        access_token,
        jwks[header["kid"]],
        algorithms=["ES256"],
        audience=auth.settings.jwt.jwt_audience,
        issuer=auth.settings.jwt.jwt_issuer,
        options={"require": ["iss", "aud", "sub", "exp", "iat", "nbf", "jti"]},
    )


@pytest.mark.parametrize(
    "login", ["katherine", "KaThErInE", "katherine.j@example.com", "KATHERINE.J@EXAMPLE.COM"]
)
async def test_password_grant_by_username_or_email_in_any_case(auth, login: str) -> None:
    await auth.register(username="katherine", email="Katherine.J@Example.com")
    response = await auth.token(grant_type="password", username=login, password=STRONG)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["access_token"].count(".") == 2
    assert body["refresh_token"]
    assert body["refresh_token"] != body["access_token"]


async def test_wrong_password_and_unknown_user_get_the_same_answer(auth) -> None:
    account = await auth.register()
    wrong_password = await auth.token(
        grant_type="password", username=account["username"], password=f"{STRONG} typo"
    )
    unknown_user = await auth.token(grant_type="password", username="nobody-here", password=STRONG)
    unknown_email = await auth.token(grant_type="password", username="nobody@example.com", password=STRONG)
    for response in (wrong_password, unknown_user, unknown_email):
        _assert_oauth_error(response, "invalid_grant")
        assert response.json() == BAD_CREDENTIALS
    for header in ("content-type", "cache-control", "pragma"):
        assert wrong_password.headers[header] == unknown_user.headers[header] == unknown_email.headers[header]


@pytest.mark.parametrize("missing", ["grant_type", "username", "password"])
async def test_a_missing_parameter_is_invalid_request(auth, missing: str) -> None:
    account = await auth.register()
    form = {"grant_type": "password", "username": account["username"], "password": STRONG}
    del form[missing]
    response = await auth.token(**form)
    _assert_oauth_error(response, "invalid_request")
    assert missing in response.json()["error_description"]


async def test_an_empty_parameter_is_invalid_request(auth) -> None:
    _assert_oauth_error(
        await auth.token(grant_type="password", username="", password=STRONG), "invalid_request"
    )


async def test_a_missing_refresh_token_is_invalid_request(auth) -> None:
    _assert_oauth_error(await auth.token(grant_type="refresh_token"), "invalid_request")


@pytest.mark.parametrize("repeated", ["grant_type", "username", "password"])
async def test_a_repeated_parameter_is_invalid_request(auth, repeated: str) -> None:
    account = await auth.register()
    form: dict[str, str | list[str]] = {
        "grant_type": "password",
        "username": account["username"],
        "password": STRONG,
    }
    value = form[repeated]
    assert isinstance(value, str)
    form[repeated] = [value, value]
    response = await auth.client.post("/token", data=form)
    _assert_oauth_error(response, "invalid_request")
    assert "repeated" in response.json()["error_description"]


async def test_a_json_body_is_invalid_request(auth) -> None:
    account = await auth.register()
    response = await auth.client.post(
        "/token", json={"grant_type": "password", "username": account["username"], "password": STRONG}
    )
    _assert_oauth_error(response, "invalid_request")


@pytest.mark.parametrize("grant_type", ["client_credentials", "authorization_code", "PASSWORD"])
async def test_an_unknown_grant_is_unsupported_grant_type(auth, grant_type: str) -> None:
    account = await auth.register()
    response = await auth.token(grant_type=grant_type, username=account["username"], password=STRONG)
    _assert_oauth_error(response, "unsupported_grant_type")


async def test_an_unknown_refresh_token_is_invalid_grant(auth) -> None:
    _assert_oauth_error(await _refresh(auth, "not-a-token-we-issued"), "invalid_grant")


async def test_refresh_rotates_the_refresh_token(auth) -> None:
    account = await auth.register()
    first = await auth.login(account["username"])
    response = await _refresh(auth, first["refresh_token"])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    second = response.json()
    assert second["token_type"] == "Bearer"
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    # The new pair belongs to the same session.
    first_claims, second_claims = (
        await _decode(auth, first["access_token"]),
        await _decode(auth, second["access_token"]),
    )
    assert second_claims["sid"] == first_claims["sid"]
    assert second_claims["jti"] != first_claims["jti"]
    # The new refresh token works in turn.
    third = await _refresh(auth, second["refresh_token"])
    assert third.status_code == 200, third.text


async def test_reusing_a_rotated_refresh_token_ends_the_whole_session(auth) -> None:
    account = await auth.register()
    first = await auth.login(account["username"])
    second = (await _refresh(auth, first["refresh_token"])).json()
    assert (await auth.client.get("/sessions", headers=auth.bearer(second))).status_code == 200

    reused = await _refresh(auth, first["refresh_token"])
    _assert_oauth_error(reused, "invalid_grant")
    # The newest refresh token of the session is dead too, and so are its access tokens.
    _assert_oauth_error(await _refresh(auth, second["refresh_token"]), "invalid_grant")
    for tokens in (first, second):
        refused = await auth.client.get("/sessions", headers=auth.bearer(tokens))
        assert refused.status_code == 401, refused.text


async def test_reuse_ends_only_the_session_it_belongs_to(auth) -> None:
    account = await auth.register()
    victim = await auth.login(account["username"])
    other = await auth.login(account["username"])
    assert (await _refresh(auth, victim["refresh_token"])).status_code == 200
    _assert_oauth_error(await _refresh(auth, victim["refresh_token"]), "invalid_grant")
    assert (await auth.client.get("/sessions", headers=auth.bearer(other))).status_code == 200
    assert (await _refresh(auth, other["refresh_token"])).status_code == 200


async def test_two_concurrent_refreshes_with_one_token_let_exactly_one_win(auth) -> None:
    account = await auth.register()
    tokens = await auth.login(account["username"])
    responses = await asyncio.gather(
        _refresh(auth, tokens["refresh_token"]), _refresh(auth, tokens["refresh_token"])
    )
    assert sorted(r.status_code for r in responses) == [200, 400], [r.text for r in responses]
    (winner,) = (r for r in responses if r.status_code == 200)
    (loser,) = (r for r in responses if r.status_code == 400)
    _assert_oauth_error(loser, "invalid_grant")
    # With no reuse interval the loser presented a spent token: reuse, whichever request read the
    # clock first, so the session ends and the winner's new refresh token is refused too.
    assert "session has been ended" in loser.json()["error_description"]
    _assert_oauth_error(await _refresh(auth, winner.json()["refresh_token"]), "invalid_grant")


async def test_a_retry_within_the_reuse_interval_is_refused_without_ending_the_session(start_auth) -> None:
    auth = await start_auth(refresh_reuse_interval_s=30)
    account = await auth.register()
    first = await auth.login(account["username"])
    second = (await _refresh(auth, first["refresh_token"])).json()
    retry = await _refresh(auth, first["refresh_token"])
    _assert_oauth_error(retry, "invalid_grant")
    assert "session has been ended" not in retry.json()["error_description"]
    assert (await auth.client.get("/sessions", headers=auth.bearer(second))).status_code == 200
    assert (await _refresh(auth, second["refresh_token"])).status_code == 200


async def test_the_access_token_verifies_with_pyjwt_from_the_published_jwks(auth) -> None:
    account = await auth.register()
    tokens = await auth.login(account["username"])
    jwks = (await auth.client.get("/.well-known/jwks.json")).json()
    header = jwt.get_unverified_header(tokens["access_token"])
    assert header["alg"] == "ES256"
    assert header["typ"] == "at+jwt"
    assert header["kid"] in [key["kid"] for key in jwks["keys"]]

    claims = await _decode(auth, tokens["access_token"])
    assert claims["iss"] == auth.settings.jwt.jwt_issuer == "switchyard-auth"
    assert claims["aud"] == "switchyard"
    assert claims["sub"] == account["id"]
    assert claims["exp"] - claims["iat"] == 900
    assert claims["nbf"] == claims["iat"]
    assert claims["jti"]
    assert claims["roles"] == ["user"]
    assert claims["email_verified"] is False
    sessions = (await auth.client.get("/sessions", headers=auth.bearer(tokens))).json()
    (current,) = (s for s in sessions if s["current"])
    assert claims["sid"] == current["id"]
    assert str(uuid.UUID(claims["sid"])) == claims["sid"]


async def test_pyjwt_refuses_a_tampered_access_token(auth) -> None:
    account = await auth.register()
    token = (await auth.login(account["username"]))["access_token"]
    other = (await auth.login(account["username"]))["access_token"]
    head, _, signature = token.split(".")
    # Another token's claims under this token's signature.
    with pytest.raises(jwt.InvalidSignatureError):
        await _decode(auth, f"{head}.{other.split('.')[1]}.{signature}")


async def test_a_role_change_shows_in_the_next_refreshed_token(auth) -> None:
    account = await auth.register()
    tokens = await auth.login(account["username"])
    assert (await _decode(auth, tokens["access_token"]))["roles"] == ["user"]
    async with auth.db.begin() as session:
        await session.execute(
            update(accounts).where(accounts.c.id == uuid.UUID(account["id"])).values(role="moderator")
        )
    refreshed = await _refresh(auth, tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert (await _decode(auth, refreshed.json()["access_token"]))["roles"] == ["moderator"]
