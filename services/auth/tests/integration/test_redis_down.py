"""Without Redis (brute-force counters, session denylist) auth signs no one in and trusts no token,
but what does not need Redis keeps working.

Nobody can log in to an instance without Redis, so the bearer token is signed directly with its
own key store: the same key and claims a login would have produced.
"""

from __future__ import annotations

import time
import uuid

import msgspec
import pytest

from switchyard.auth.adapters.signing_keys import SigningKeys
from switchyard.auth.bootstrap import bootstrap
from switchyard.auth.settings import AuthSettings
from switchyard.common.http import PROBLEM_JSON
from switchyard.common.runtime.settings import RedisSettings
from switchyard.common.testing import free_port

pytestmark = pytest.mark.integration

# conftest.STRONG (conftest modules are not importable under --import-mode=importlib).
STRONG = "amber falcon drifts over quiet harbor"


async def test_sign_in_fails_closed_while_registration_still_works(
    make_service_settings, make_database, start_app
) -> None:
    settings = await make_service_settings()
    unreachable = RedisSettings(url=f"redis://127.0.0.1:{free_port()}/0")
    settings = msgspec.structs.replace(settings, redis=unreachable)
    auth = AuthSettings()
    client = await start_app(bootstrap(settings, auth=auth))
    username = f"offline{uuid.uuid4().hex[:8]}"

    registered = await client.post(
        "/register", json={"email": f"{username}@example.com", "username": username, "password": STRONG}
    )
    login = await client.post(
        "/token", data={"grant_type": "password", "username": username, "password": STRONG}
    )
    keys = SigningKeys(
        make_database.sessions(settings.database.url), access_token_ttl_s=auth.access_token_ttl_s
    )
    now = int(time.time())
    access_token = await keys.sign(
        {
            "iss": settings.jwt.jwt_issuer,
            "aud": settings.jwt.jwt_audience,
            "sub": registered.json()["id"],
            "iat": now,
            "nbf": now,
            "exp": now + auth.access_token_ttl_s,
            "jti": uuid.uuid4().hex,
            "sid": str(uuid.uuid4()),
            "roles": ["user"],
            "email_verified": False,
        }
    )
    sessions = await client.get("/sessions", headers={"authorization": f"Bearer {access_token}"})
    live = await client.get("/health/live")
    ready = await client.get("/health/ready")

    assert registered.status_code == 201, registered.text
    for refused in (login, sessions):
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith(PROBLEM_JSON)
        assert int(refused.headers["retry-after"]) > 0
    assert live.status_code == 200, live.text
    assert ready.status_code == 503, ready.text
    assert ready.json()["checks"]["redis"] == "down"
