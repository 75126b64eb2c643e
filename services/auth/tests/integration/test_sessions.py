"""Sessions: listing and ending them, logout, RFC 7009 revocation, and revocation seen by other services."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from switchyard.common.http import PROBLEM_JSON, JwksVerifier
from switchyard.common.http.auth import PublicKey, TokenRejected, parse_jwks
from switchyard.common.http.auth.denylist import session_denylist_key

pytestmark = pytest.mark.integration

type Json = dict[str, Any]

# conftest.STRONG (conftest modules are not importable under --import-mode=importlib).
STRONG = "amber falcon drifts over quiet harbor"
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
PHONE = "Switchyard-iOS/2.3 (iPhone; iOS 17.5)"


async def _login(auth, login: str, user_agent: str) -> Json:
    response = await auth.client.post(
        "/token",
        data={"grant_type": "password", "username": login, "password": STRONG},
        headers={"user-agent": user_agent},
    )
    assert response.status_code == 200, response.text
    tokens: Json = response.json()
    return tokens


async def _sessions(auth, tokens: Json) -> list[Json]:
    response = await auth.client.get("/sessions", headers=auth.bearer(tokens))
    assert response.status_code == 200, response.text
    sessions: list[Json] = response.json()
    return sessions


async def _current_session_id(auth, tokens: Json) -> str:
    (current,) = (s for s in await _sessions(auth, tokens) if s["current"])
    return str(current["id"])


async def _refresh(auth, tokens: Json):
    return await auth.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])


def _assert_refused_refresh(response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant"


async def _assert_unauthorized(auth, tokens: Json) -> None:
    response = await auth.client.get("/sessions", headers=auth.bearer(tokens))
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)


def _assert_not_found(response) -> None:
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["status"] == 404


class PublishedKeys:
    """What another service's verifier sees: the keys auth publishes at its JWKS endpoint."""

    def __init__(self, auth) -> None:
        self._auth = auth

    async def key_for(self, kid: str) -> PublicKey | None:
        document = (await self._auth.client.get("/.well-known/jwks.json")).json()
        return parse_jwks(document).get(kid)


def _other_service_verifier(auth) -> JwksVerifier:
    return JwksVerifier(
        None,
        auth.settings.jwt.jwt_issuer,
        auth.settings.jwt.jwt_audience,
        keys=PublishedKeys(auth),
        denylist=auth.redis,
    )


async def test_sessions_lists_each_login_with_its_agent_and_address(auth) -> None:
    account = await auth.register()
    laptop = await _login(auth, account["username"], LAPTOP)
    phone = await _login(auth, account["email"], PHONE)

    listed = await _sessions(auth, phone)
    assert len(listed) == 2
    by_agent = {s["user_agent"]: s for s in listed}
    assert set(by_agent) == {LAPTOP, PHONE}
    assert {s["ip"] for s in listed} == {"127.0.0.1"}
    assert by_agent[PHONE]["current"] is True
    assert by_agent[LAPTOP]["current"] is False
    for session in listed:
        assert set(session) == {
            "id",
            "user_agent",
            "ip",
            "created_at",
            "last_used_at",
            "expires_at",
            "current",
        }
        assert session["created_at"] <= session["last_used_at"] < session["expires_at"]
    # From the laptop, the laptop's session is the current one.
    from_laptop = {s["user_agent"]: s["current"] for s in await _sessions(auth, laptop)}
    assert from_laptop == {LAPTOP: True, PHONE: False}


async def test_sessions_lists_only_the_callers_own(auth) -> None:
    alice, bob = await auth.register(), await auth.register()
    alice_tokens = await _login(auth, alice["username"], LAPTOP)
    await _login(auth, bob["username"], PHONE)
    assert [s["user_agent"] for s in await _sessions(auth, alice_tokens)] == [LAPTOP]


async def test_ending_another_session_kills_its_tokens(auth) -> None:
    account = await auth.register()
    laptop = await _login(auth, account["username"], LAPTOP)
    phone = await _login(auth, account["username"], PHONE)
    phone_session = await _current_session_id(auth, phone)

    ended = await auth.client.delete(f"/sessions/{phone_session}", headers=auth.bearer(laptop))
    assert ended.status_code == 204, ended.text
    _assert_refused_refresh(await _refresh(auth, phone))
    await _assert_unauthorized(auth, phone)
    assert [s["user_agent"] for s in await _sessions(auth, laptop)] == [LAPTOP]
    assert (await _refresh(auth, laptop)).status_code == 200
    # Ending it again: it is no longer an active session.
    _assert_not_found(await auth.client.delete(f"/sessions/{phone_session}", headers=auth.bearer(laptop)))


async def test_ending_an_unknown_session_is_404(auth) -> None:
    account = await auth.register()
    tokens = await auth.login(account["username"])
    _assert_not_found(await auth.client.delete(f"/sessions/{uuid.uuid4()}", headers=auth.bearer(tokens)))


async def test_ending_another_users_session_is_404_and_leaves_it_alone(auth) -> None:
    alice, bob = await auth.register(), await auth.register()
    alice_tokens = await auth.login(alice["username"])
    bob_tokens = await auth.login(bob["username"])
    bob_session = await _current_session_id(auth, bob_tokens)

    response = await auth.client.delete(f"/sessions/{bob_session}", headers=auth.bearer(alice_tokens))
    _assert_not_found(response)
    assert await _current_session_id(auth, bob_tokens) == bob_session
    assert (await _refresh(auth, bob_tokens)).status_code == 200


async def test_logout_revokes_the_session_here_and_in_every_other_service(auth) -> None:
    account = await auth.register()
    tokens = await auth.login(account["username"])
    other = await auth.login(account["username"])
    session_id = await _current_session_id(auth, tokens)
    verifier = _other_service_verifier(auth)
    principal = await verifier.verify(tokens["access_token"])
    assert (principal.subject, principal.session_id) == (account["id"], session_id)

    response = await auth.client.post("/logout", headers=auth.bearer(tokens))
    assert response.status_code == 204, response.text
    await _assert_unauthorized(auth, tokens)
    assert await auth.redis.exists(session_denylist_key(session_id)) == 1
    ttl = await auth.redis.ttl(session_denylist_key(session_id))
    assert auth.auth.access_token_ttl_s <= ttl <= auth.auth.access_token_ttl_s + 60
    with pytest.raises(TokenRejected) as rejected:
        await verifier.verify(tokens["access_token"])
    assert rejected.value.reason == "token revoked"
    _assert_refused_refresh(await _refresh(auth, tokens))
    # Only that session ended.
    assert (await verifier.verify(other["access_token"])).session_id != session_id
    assert (await _refresh(auth, other)).status_code == 200


async def test_logout_without_a_bearer_is_a_401_challenge(auth) -> None:
    response = await auth.client.post("/logout")
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


async def test_logout_with_a_bad_bearer_is_a_401_naming_the_error(auth) -> None:
    response = await auth.client.post("/logout", headers={"authorization": "Bearer not.a.jwt"})
    assert response.status_code == 401, response.text
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_revoke_ends_the_refresh_tokens_session(auth) -> None:
    account = await auth.register()
    tokens = await auth.login(account["username"])
    response = await auth.client.post("/revoke", data={"token": tokens["refresh_token"]})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    _assert_refused_refresh(await _refresh(auth, tokens))
    await _assert_unauthorized(auth, tokens)
    # Revoking it again is still fine (RFC 7009 2.2).
    assert (await auth.client.post("/revoke", data={"token": tokens["refresh_token"]})).status_code == 200


async def test_revoking_an_unknown_token_is_200(auth) -> None:
    response = await auth.client.post("/revoke", data={"token": "never-issued"})
    assert response.status_code == 200, response.text


async def test_revoke_with_another_users_bearer_is_404_and_keeps_the_token(auth) -> None:
    alice, bob = await auth.register(), await auth.register()
    alice_tokens = await auth.login(alice["username"])
    bob_tokens = await auth.login(bob["username"])
    response = await auth.client.post(
        "/revoke", data={"token": bob_tokens["refresh_token"]}, headers=auth.bearer(alice_tokens)
    )
    _assert_not_found(response)
    assert (await _refresh(auth, bob_tokens)).status_code == 200
    # With the owner's bearer it works.
    own = await auth.login(alice["username"])
    response = await auth.client.post(
        "/revoke", data={"token": own["refresh_token"]}, headers=auth.bearer(alice_tokens)
    )
    assert response.status_code == 200, response.text
    _assert_refused_refresh(await _refresh(auth, own))
