"""Auth through the running stack's gateway (`make up`): the admin `make up` printed, and a new user's
whole session, with the answers nginx passes through unchanged."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import jwt
import pytest

from switchyard.common.testing.gateway import Gateway

pytestmark = pytest.mark.e2e

PASSWORD = "copper lantern sways above misty canal"


@pytest.fixture
async def client(gateway: Gateway):
    async with httpx.AsyncClient(base_url=gateway.api("/auth"), timeout=10) as http:
        yield http


def _claims(http_jwks: dict[str, Any], token: str) -> dict[str, Any]:
    """Verified with PyJWT from the JWKS the gateway serves (auth signs with joserfc)."""
    key = jwt.PyJWKSet.from_dict(http_jwks)[jwt.get_unverified_header(token)["kid"]]
    return jwt.decode(token, key, algorithms=["ES256"], audience="switchyard", issuer="switchyard-auth")


async def test_the_bootstrap_admin_logs_in_with_the_admin_role(client: httpx.AsyncClient, gateway: Gateway):
    response = await client.post(
        "/token",
        data={"grant_type": "password", "username": gateway.admin_email, "password": gateway.admin_password},
    )
    assert response.status_code == 200, response.text
    jwks = (await client.get("/.well-known/jwks.json")).json()
    claims = _claims(jwks, response.json()["access_token"])
    assert claims["roles"] == ["admin"]
    assert claims["email_verified"] is True


async def test_register_login_sessions_logout_through_the_gateway(client: httpx.AsyncClient):
    name = f"gw{uuid.uuid4().hex[:10]}"
    registered = await client.post(
        "/register", json={"email": f"{name}@example.com", "username": name, "password": PASSWORD}
    )
    assert registered.status_code == 201, registered.text
    assert (
        await client.post(
            "/register", json={"email": f"{name}@example.com", "username": f"{name}x", "password": PASSWORD}
        )
    ).status_code == 409

    tokens = (
        await client.post("/token", data={"grant_type": "password", "username": name, "password": PASSWORD})
    ).json()
    bearer = {"authorization": f"Bearer {tokens['access_token']}"}
    sessions = await client.get("/sessions", headers={**bearer, "user-agent": "e2e-agent"})
    assert sessions.status_code == 200
    (session,) = sessions.json()
    # nginx forwards the client address; auth records it, not the gateway's own.
    assert session["ip"] == "127.0.0.1"
    assert session["current"] is True

    assert (await client.post("/logout", headers=bearer)).status_code == 204
    refused = await client.get("/sessions", headers=bearer)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"


async def test_oauth_errors_pass_through_the_gateway_as_json(client: httpx.AsyncClient):
    response = await client.post(
        "/token", data={"grant_type": "password", "username": "nobody", "password": "x"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert response.headers["cache-control"] == "no-store"
