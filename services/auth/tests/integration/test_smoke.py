from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


async def test_register_login_logout(auth) -> None:
    account = await auth.register()
    tokens = await auth.login(account["username"])
    assert tokens["token_type"] == "Bearer"
    jwks = (await auth.client.get("/.well-known/jwks.json")).json()
    assert len(jwks["keys"]) == 1
    sessions = await auth.client.get("/sessions", headers=auth.bearer(tokens))
    assert sessions.status_code == 200, sessions.text
    assert (await auth.client.post("/logout", headers=auth.bearer(tokens))).status_code == 204
    after = await auth.client.get("/sessions", headers=auth.bearer(tokens))
    assert after.status_code == 401, after.text
