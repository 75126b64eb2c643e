"""A stopped service behind the gateway: its routes answer a problem+json 502, the others keep working.

The stack's own notifications service is not stopped (other suites use it at the same time).
Instead a second gateway is rendered by the stack's own code (deploy.local.gateway.stack_values,
the same settings as the stack's gateway) in front of the stack's real auth, users and ingest, with
notifications pointing at a port where nothing listens: what nginx sees when a service is down.
"""

from collections.abc import Iterator

import httpx
import pytest

from deploy.local import gateway
from deploy.local.config import load_config
from deploy.tests.gateway_nginx import assert_problem, private_gateway
from switchyard.common.testing import free_port

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    config = load_config()
    values = gateway.stack_values(
        config,
        listen=f"127.0.0.1:{free_port()}",
        access_log="/dev/null",
        upstreams={"notifications": f"127.0.0.1:{free_port()}"},
    )
    with private_gateway(values) as url, httpx.Client(base_url=url, timeout=10) as client:
        yield client


@pytest.mark.parametrize("path", ["/health/ready", "/stream", "/inbox"])
def test_the_stopped_services_routes_are_a_problem_json_502(http, path):
    body = assert_problem(http.get(f"/api/v1/notifications{path}"), 502)
    assert "not reachable" in str(body["detail"])


@pytest.mark.parametrize("route", ["auth", "users", "imports"])
def test_the_other_services_still_answer(http, route):
    response = http.get(f"/api/v1/{route}/health/ready")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ready"


def test_the_gateways_own_pages_still_answer(http):
    assert http.get("/health").json() == {"status": "ok"}
    assert http.get("/docs").status_code == 200
    _ = assert_problem(http.get("/no/such/route"), 404)


def test_auth_still_serves_its_keys_through_the_same_gateway(http):
    response = http.get("/api/v1/auth/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.json()["keys"]
