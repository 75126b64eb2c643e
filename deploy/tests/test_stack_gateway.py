"""The running stack's gateway (SWITCHYARD_GATEWAY_URL): its own health and problem+json errors."""

import httpx
import pytest

from switchyard.common.testing.gateway import Gateway

SERVICE_ROUTES = ("auth", "users", "notifications", "imports")

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def gateway_url(gateway: Gateway) -> str:
    return gateway.url


def test_gateway_health(gateway_url):
    response = httpx.get(f"{gateway_url}/health", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_unknown_route_is_problem_json(gateway_url):
    response = httpx.get(f"{gateway_url}/api/v1/nothing-here/at-all", timeout=5)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404
    assert response.json()["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize("route", SERVICE_ROUTES)
def test_every_service_is_ready_behind_the_gateway(gateway_url, route):
    response = httpx.get(f"{gateway_url}/api/v1/{route}/health/ready", timeout=5)
    assert response.status_code == 200, response.text
