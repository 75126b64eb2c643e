"""The access-token signing keys: the published JWKS, rotation by the operator command, encryption at rest."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from litestar.di import Provide
from sqlalchemy import delete, select, update

from switchyard.auth.adapters.orm import signing_keys
from switchyard.auth.adapters.signing_keys import PUBLICATION_MARGIN, PUBLISHED_CACHE_S, SigningKeys
from switchyard.auth.bootstrap import bootstrap
from switchyard.auth.settings import AuthSettings
from switchyard.common.testing.services import free_port, service_environment

pytestmark = pytest.mark.integration

type Json = dict[str, Any]

PASSPHRASE = "correct horse battery staple, but longer"
# conftest.STRONG (conftest modules are not importable under --import-mode=importlib).
STRONG = "amber falcon drifts over quiet harbor"
# The documented bound for replicas to pick up a rotated key (their active-key cache), plus slack.
ROTATION_PICKUP_S = 20.0


async def _jwks(auth) -> list[Json]:
    response = await auth.client.get("/.well-known/jwks.json")
    assert response.status_code == 200, response.text
    keys: list[Json] = response.json()["keys"]
    return keys


def _kid(tokens: Json) -> str:
    return str(jwt.get_unverified_header(tokens["access_token"])["kid"])


async def _rotate(auth, **environment: str) -> str:
    """Run the operator command as a process on auth's database; the new kid it reports."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        **service_environment(auth.settings, port=free_port()),
        **environment,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "switchyard.auth",
        "rotate-signing-key",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    output = stdout.decode()
    assert process.returncode == 0, output + stderr.decode()
    found = re.search(r"new kid ([0-9a-f]+)", output)
    assert found, output
    return found.group(1)


async def _stored_keys(auth) -> dict[str, Json]:
    async with auth.db() as session:
        rows = (await session.execute(select(signing_keys))).mappings()
        return {row["kid"]: dict(row) for row in rows}


async def _wait_for_kid(auth, wait_until, account: Json, kid: str) -> Json:
    """Log in until a token carries ``kid``: replicas cache the active key for up to 10 seconds."""
    found: Json = {}

    async def signed_with_new_key() -> bool:
        found.update(await auth.login(account["username"]))
        return _kid(found) == kid

    await wait_until(signed_with_new_key, within=ROTATION_PICKUP_S, interval=0.5)
    return found


async def test_jwks_publishes_one_public_es256_key(auth) -> None:
    response = await auth.client.get("/.well-known/jwks.json")
    assert response.headers["content-type"].startswith("application/jwk-set+json")
    (key,) = response.json()["keys"]
    assert key["kty"] == "EC"
    assert key["crv"] == "P-256"
    assert key["alg"] == "ES256"
    assert key["use"] == "sig"
    assert key["kid"]
    assert {"x", "y"} <= set(key)
    assert "d" not in key
    assert set(key) <= {"kty", "crv", "x", "y", "kid", "alg", "use"}
    # The key that signs tokens is the one published.
    account = await auth.register()
    assert _kid(await auth.login(account["username"])) == key["kid"]


async def test_rotation_signs_new_tokens_with_a_new_key_and_keeps_the_old_one_published(
    auth, wait_until
) -> None:
    account = await auth.register()
    before = await auth.login(account["username"])
    (old_key,) = await _jwks(auth)
    assert _kid(before) == old_key["kid"]

    new_kid = await _rotate(auth)
    assert new_kid != old_key["kid"]
    published = await _jwks(auth)
    assert [k["kid"] for k in published] == [new_kid, old_key["kid"]]
    assert all("d" not in k for k in published)

    after = await _wait_for_kid(auth, wait_until, account, new_kid)
    assert (await auth.client.get("/sessions", headers=auth.bearer(after))).status_code == 200
    # A token signed before the rotation is still good, and refreshing it yields a new-key token.
    assert (await auth.client.get("/sessions", headers=auth.bearer(before))).status_code == 200
    refreshed = await auth.token(grant_type="refresh_token", refresh_token=before["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert _kid(refreshed.json()) == new_kid
    stored = await _stored_keys(auth)
    assert stored[old_key["kid"]]["retired_at"] is not None
    assert stored[new_kid]["retired_at"] is None


async def test_a_retired_key_leaves_the_jwks_once_its_tokens_have_expired(auth) -> None:
    (old_key,) = await _jwks(auth)
    new_kid = await _rotate(auth)
    published_for = timedelta(seconds=auth.auth.access_token_ttl_s) + PUBLICATION_MARGIN
    assert published_for == timedelta(minutes=17)

    async def retire_ago(age: timedelta) -> None:
        async with auth.db.begin() as session:
            await session.execute(
                update(signing_keys)
                .where(signing_keys.c.kid == old_key["kid"])
                .values(retired_at=datetime.now(UTC) - age)
            )

    await retire_ago(published_for - timedelta(seconds=30))
    assert [k["kid"] for k in await _jwks(auth)] == [new_kid, old_key["kid"]]
    await retire_ago(published_for + timedelta(seconds=30))
    assert [k["kid"] for k in await _jwks(auth)] == [new_kid]
    # Still stored: only its publication ended.
    assert old_key["kid"] in await _stored_keys(auth)


async def test_keys_are_stored_unencrypted_without_a_passphrase(auth) -> None:
    (stored,) = (await _stored_keys(auth)).values()
    assert stored["private_key"].startswith("-----BEGIN PRIVATE KEY-----")


async def test_a_passphrase_encrypts_the_stored_keys_and_tokens_still_sign(start_auth, wait_until) -> None:
    auth = await start_auth(signing_key_passphrase=PASSPHRASE)
    account = await auth.register()
    tokens = await auth.login(account["username"])
    assert (await auth.client.get("/sessions", headers=auth.bearer(tokens))).status_code == 200

    (stored,) = (await _stored_keys(auth)).values()
    pem = stored["private_key"]
    assert pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):
        load_pem_private_key(pem.encode(), password=None)
    load_pem_private_key(pem.encode(), password=PASSPHRASE.encode())

    # A key rotated in with the same passphrase is encrypted too, and signs.
    new_kid = await _rotate(auth, AUTH_SIGNING_KEY_PASSPHRASE=PASSPHRASE)
    assert (await _stored_keys(auth))[new_kid]["private_key"].startswith(
        "-----BEGIN ENCRYPTED PRIVATE KEY-----"
    )
    rotated = await _wait_for_kid(auth, wait_until, account, new_kid)
    assert (await auth.client.get("/sessions", headers=auth.bearer(rotated))).status_code == 200


async def _unpublish(db, kid: str, how: str) -> None:
    """Take ``kid`` out of the JWKS: retired long before its last token could expire, or deleted."""
    async with db.begin() as session:
        if how == "retired long ago":
            long_ago = datetime.now(UTC) - timedelta(days=1)
            await session.execute(
                update(signing_keys).where(signing_keys.c.kid == kid).values(retired_at=long_ago)
            )
        else:
            await session.execute(delete(signing_keys).where(signing_keys.c.kid == kid))


@pytest.mark.parametrize("how", ["retired long ago", "deleted"])
async def test_a_key_that_left_the_jwks_stops_verifying_once_the_cached_set_is_stale(
    make_service_settings, make_database, start_app, how: str
) -> None:
    """After an emergency rotation, tokens of the withdrawn key are refused within PUBLISHED_CACHE_S."""
    settings = await make_service_settings()
    app = bootstrap(settings, auth=AuthSettings(login_ip_max_failures=1_000_000))
    client = await start_app(app)
    # The composition root's key store, to move its clock instead of waiting a minute.
    provide_ctx = app.dependencies["ctx"]
    assert isinstance(provide_ctx, Provide)
    keys: SigningKeys = provide_ctx.dependency().keys
    db = make_database.sessions(settings.database.url)
    name = f"keys{uuid.uuid4().hex[:10]}"
    body = {"email": f"{name}@example.com", "username": name, "password": STRONG}
    assert (await client.post("/register", json=body)).status_code == 201

    async def log_in() -> dict[str, str]:
        response = await client.post(
            "/token", data={"grant_type": "password", "username": name, "password": STRONG}
        )
        assert response.status_code == 200, response.text
        return {"authorization": f"Bearer {response.json()['access_token']}"}

    async def sessions(bearer: dict[str, str]) -> httpx.Response:
        response: httpx.Response = await client.get("/sessions", headers=bearer)
        return response

    old = await log_in()
    assert (await sessions(old)).status_code == 200
    old_kid = jwt.get_unverified_header(old["authorization"].removeprefix("Bearer "))["kid"]
    await keys.rotate()
    await _unpublish(db, old_kid, how)
    assert old_kid not in {k["kid"] for k in (await client.get("/.well-known/jwks.json")).json()["keys"]}
    # Within the cache lifetime the old key is still known here (the documented bound).
    assert (await sessions(old)).status_code == 200

    keys.clock = lambda: time.monotonic() + PUBLISHED_CACHE_S + 1

    refused = await sessions(old)
    assert refused.status_code == 401, refused.text
    assert 'error_description="unknown signing key"' in refused.headers["www-authenticate"]
    assert (await sessions(await log_in())).status_code == 200


async def test_a_token_naming_an_unknown_key_refreshes_the_whole_published_set(auth, wait_until) -> None:
    """The refetch an unknown kid triggers also drops keys no longer published (no minute's wait)."""
    account = await auth.register()
    old = await auth.login(account["username"])
    assert (await auth.client.get("/sessions", headers=auth.bearer(old))).status_code == 200
    await _rotate(auth)
    await _unpublish(auth.db, _kid(old), "retired long ago")
    stranger = {"access_token": _with_kid(old["access_token"], uuid.uuid4().hex)}

    async def old_key_forgotten() -> bool:
        # Refetches on unknown kids are rate-limited (one a second), so one may be needed again.
        await auth.client.get("/sessions", headers=auth.bearer(stranger))
        response = await auth.client.get("/sessions", headers=auth.bearer(old))
        return bool(response.status_code == 401)

    await wait_until(old_key_forgotten, within=10, interval=0.5)


def _with_kid(token: str, kid: str) -> str:
    """``token`` with its header naming ``kid`` (the signature no longer matters: the kid is unknown)."""
    header, _, rest = token.partition(".")
    decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    encoded = base64.urlsafe_b64encode(json.dumps({**decoded, "kid": kid}).encode()).rstrip(b"=").decode()
    return f"{encoded}.{rest}"


async def test_a_key_stored_before_a_passphrase_was_set_still_signs(make_database) -> None:
    import jwt as pyjwt

    from switchyard.auth.adapters.signing_keys import SigningKeys
    from switchyard.auth.bootstrap import SERVICE_ROOT

    url = await make_database.create(migrations=SERVICE_ROOT)
    sessions = make_database.sessions(url)
    kid = await SigningKeys(sessions, access_token_ttl_s=900).ensure_active()

    token = await SigningKeys(sessions, access_token_ttl_s=900, passphrase="set later").sign({"sub": "x"})

    assert pyjwt.get_unverified_header(token)["kid"] == kid
