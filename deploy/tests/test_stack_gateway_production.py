"""The gateway with production-like settings in front of the running stack's real services.

The stack's own gateway lifts the rate limits (the whole suite signs in through it from one
address) and allows no CORS origin, so a second gateway is rendered by the stack's own code with
the production defaults for the limits and an allow-list, in front of the same auth, users,
notifications and ingest processes: refusals and CORS answers as a real client would get them.
"""

from collections.abc import Iterator

import httpx
import pytest

from deploy.local import gateway
from deploy.local.config import GATEWAY_DEFAULTS, load_config
from deploy.tests.gateway_nginx import assert_problem, assert_security_headers, private_gateway
from switchyard.common.testing import free_port

pytestmark = pytest.mark.e2e

APP = "https://app.example.test"
# Production's strict limit is 10 a minute with a burst of 10; the general one 20/s, burst 40.
STRICT_BURST = int(GATEWAY_DEFAULTS["GATEWAY_AUTH_BURST"])


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    config = load_config()
    values = gateway.stack_values(config, listen=f"127.0.0.1:{free_port()}", access_log="/dev/null")
    production = {name: GATEWAY_DEFAULTS[name] for name in values if name.endswith(("_RATE", "_BURST"))}
    values.update(production)
    values["GATEWAY_CORS_ALLOWED_ORIGINS"] = APP
    with private_gateway(values) as base:
        yield base


def _client(url: str, address: str) -> httpx.Client:
    """Requests from `address` (any 127.x.y.z): each test's own bucket of the per-address limits."""
    return httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address=address), timeout=10)


def test_sign_in_attempts_past_the_burst_are_429_problems_with_retry_after_and_other_routes_answer(url):
    with _client(url, "127.0.0.71") as http:
        # A malformed grant: auth answers it at once (no password hashing), yet it counts.
        answers = [
            http.post("/api/v1/auth/token", data={"grant_type": "nonsense"}) for _ in range(STRICT_BURST + 3)
        ]
        statuses = [answer.status_code for answer in answers]
        assert statuses[:STRICT_BURST] == [400] * STRICT_BURST  # auth's own answer, let through
        refused = answers[-1]
        body = assert_problem(refused, 429)
        assert body["limit"] == "auth"
        assert int(refused.headers["retry-after"]) > 0
        assert_security_headers(refused)
        # The general limit is separate: the same address still reaches every service.
        for route in ("auth", "users", "notifications", "imports"):
            assert http.get(f"/api/v1/{route}/health/ready").status_code == 200


def test_another_address_is_not_held_back_by_the_first(url):
    with _client(url, "127.0.0.72") as http:
        assert http.post("/api/v1/auth/token", data={"grant_type": "nonsense"}).status_code == 400


def test_an_allowed_origin_gets_cors_from_the_gateway_and_the_service_answers(url):
    with _client(url, "127.0.0.73") as http:
        preflight = http.options(
            "/api/v1/users/me",
            headers={
                "Origin": APP,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == APP
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
        # A real answer of a real service (401: no token) carries the CORS headers too.
        answer = http.get("/api/v1/users/me", headers={"Origin": APP})
        assert answer.status_code == 401
        assert answer.headers["access-control-allow-origin"] == APP
        assert "x-request-id" in answer.headers["access-control-expose-headers"].lower()


def test_any_other_origin_gets_no_cors_and_its_preflight_a_403_problem(url):
    with _client(url, "127.0.0.74") as http:
        other = "https://evil.example.test"
        preflight = http.options(
            "/api/v1/users/me", headers={"Origin": other, "Access-Control-Request-Method": "DELETE"}
        )
        _ = assert_problem(preflight, 403)
        answer = http.get("/api/v1/users/me", headers={"Origin": other})
        assert not [name for name in answer.headers if name.startswith("access-control-")]


def test_a_body_over_the_limit_is_refused_by_the_gateway_before_auth_sees_it(url):
    with _client(url, "127.0.0.75") as http:
        body = assert_problem(http.post("/api/v1/auth/register", content=b"x" * (2 * 1024 * 1024)), 413)
        assert "limit" in str(body["detail"])
