"""The running stack's gateway (SWITCHYARD_GATEWAY_URL): what its configuration does to real services.

The rate limits are lifted on the local stack (the whole suite signs in through it); they are
tested on private gateways in test_gateway_config.py.
"""

import json
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from deploy.tests.gateway_nginx import API_CSP, assert_problem, assert_security_headers, docs_links
from switchyard.common.testing.gateway import Gateway
from switchyard.common.testing.infrastructure import local_stack_dir

SERVICE_ROUTES = ("auth", "users", "notifications", "imports")
# An origin no allow-list names, so the test holds whatever the stack's GATEWAY_CORS_ALLOWED_ORIGINS.
STRANGER = "https://not-allowed.invalid"

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def gateway_url(gateway: Gateway) -> str:
    return gateway.url


@pytest.fixture(scope="module")
def http(gateway_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway_url, timeout=10) as client:
        yield client


def test_gateway_health(http):
    response = http.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_unknown_route_is_problem_json(http):
    _ = assert_problem(http.get("/api/v1/nothing-here/at-all"), 404)


@pytest.mark.parametrize("route", SERVICE_ROUTES)
def test_every_service_is_ready_behind_the_gateway_with_the_security_headers(http, route):
    response = http.get(f"/api/v1/{route}/health/ready")
    assert response.status_code == 200, response.text
    assert_security_headers(response)


def test_a_services_own_problem_answer_gets_the_security_headers_and_request_id(http):
    response = http.get("/api/v1/users/me", headers={"X-Request-ID": "stack-gateway-test-1"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers.get_list("x-request-id") == ["stack-gateway-test-1"]
    assert_security_headers(response)


def test_request_id_is_generated_when_absent(http):
    first, second = (http.get("/api/v1/auth/health/live").headers["x-request-id"] for _ in range(2))
    assert len(first) == len(second) == 32
    assert first != second


def test_another_host_name_gets_a_421_problem(http):
    _ = assert_problem(http.get("/api/v1/users/health/ready", headers={"Host": "evil.example"}), 421)


@pytest.mark.parametrize("host", ["localhost:8080", "127.0.0.1"])
def test_localhost_and_the_loopback_address_are_served(http, host):
    assert http.get("/api/v1/users/health/ready", headers={"Host": host}).status_code == 200


def test_an_origin_not_on_the_allow_list_gets_no_cors_headers(http):
    response = http.get("/api/v1/auth/health/live", headers={"Origin": STRANGER})
    assert response.status_code == 200
    assert not [name for name in response.headers if name.startswith("access-control-")]
    preflight = http.options(
        "/api/v1/auth/token", headers={"Origin": STRANGER, "Access-Control-Request-Method": "POST"}
    )
    _ = assert_problem(preflight, 403)
    assert not [name for name in preflight.headers if name.startswith("access-control-")]


def test_docs_links_every_openapi_and_asyncapi_document_and_each_resolves(http):
    page = http.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    links = docs_links(page.text)
    for route in SERVICE_ROUTES:
        assert {f"/api/v1/{route}/schema/openapi.json", f"/api/v1/{route}/asyncapi.json"} <= set(links)
    for link in links:
        response = http.get(link)
        assert response.status_code == 200, link
        if link.endswith("/openapi.json"):
            assert response.json()["openapi"].startswith("3."), link
            assert response.headers["content-security-policy"] == API_CSP
        elif link.endswith("/asyncapi.json"):
            assert response.json()["asyncapi"].startswith("3."), link
        else:
            # A schema viewer: HTML whose policy lets its scripts load.
            assert response.headers["content-type"].startswith("text/html"), link
            assert "script-src" in response.headers["content-security-policy"], link


def test_a_large_json_answer_is_gzipped(http):
    response = http.get("/api/v1/auth/schema/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["openapi"].startswith("3.")


def test_the_inbox_event_stream_is_neither_compressed_nor_held_back(http, gateway):
    token = http.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": gateway.admin_email, "password": gateway.admin_password},
    )
    assert token.status_code == 200, token.text
    headers = {
        "Authorization": f"Bearer {token.json()['access_token']}",
        "Accept": "text/event-stream",
        "Accept-Encoding": "gzip",
    }
    with http.stream("GET", "/api/v1/notifications/stream", headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in response.headers
        # The stream stays open until the token expires: a first line arriving now was not buffered.
        first = next(response.iter_lines())
    assert first.startswith(":")


def test_each_request_is_one_json_access_log_line_with_its_ids_and_timings(http):
    request_id = f"access-log-{uuid.uuid4().hex}"
    traceparent = f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"
    path = "/api/v1/auth/.well-known/jwks.json"
    response = http.get(path, headers={"X-Request-ID": request_id, "traceparent": traceparent})
    assert response.status_code == 200
    log = local_stack_dir() / "logs" / "gateway-access.log"

    # nginx writes the line as the request ends; the answer can reach us a moment before.
    deadline = time.monotonic() + 10
    while not (lines := [line for line in log.read_text().splitlines() if request_id in line]):
        assert time.monotonic() < deadline, f"no access log line for {request_id}"
        time.sleep(0.05)

    (line,) = lines
    entry = json.loads(line)
    assert entry["request_id"] == request_id
    assert entry["traceparent"] == traceparent
    assert (entry["method"], entry["uri"], entry["status"]) == ("GET", path, 200)
    assert entry["upstream"].startswith("127.0.0.1:")
    assert entry["upstream_status"] == "200"
    assert float(entry["upstream_response_time"]) >= 0
    assert float(entry["request_time"]) >= 0
