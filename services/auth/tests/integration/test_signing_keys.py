"""The access-token signing keys: the published JWKS, rotation by the operator command, encryption at rest."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from sqlalchemy import select, update

from switchyard.auth.adapters.orm import signing_keys
from switchyard.auth.adapters.signing_keys import PUBLICATION_MARGIN
from switchyard.common.testing.services import free_port, service_environment

pytestmark = pytest.mark.integration

type Json = dict[str, Any]

PASSPHRASE = "correct horse battery staple, but longer"
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
