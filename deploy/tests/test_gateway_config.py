"""The gateway template, rendered and served by a private nginx in front of a tiny echo upstream.

Each behaviour is checked with settings chosen for it (low rate limits, an allow-list of origins,
a short upstream timeout), so nothing here depends on the running stack or on timing.
"""

import http.client
import json
import re
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from deploy.local import gateway
from deploy.local.config import (
    GATEWAY_DEFAULTS,
    LOCAL_GATEWAY_SETTINGS,
    ROUTES,
    SERVICES,
    StackError,
    load_config,
)
from deploy.tests.gateway_nginx import (
    API_CSP,
    PROBLEM_JSON,
    assert_problem,
    assert_security_headers,
    docs_links,
    private_gateway,
)
from switchyard.common.http.app import GATEWAY_PREFIXES
from switchyard.common.testing import free_port

STRICT_ROUTES = ("token", "register", "password/forgot", "token/")
ALLOWED_ORIGINS = "https://app.example http://localhost:5173"
# Generous enough that no test but the rate-limit ones meets a limit.
UNLIMITED = {"GATEWAY_API_RATE": "1000r/s", "GATEWAY_API_BURST": "1000"}
# Long enough that the test, not this cap, ends every wait of the echo upstream.
RELEASE_CAP_S = 30


class _EchoServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Echo)
        self.release = threading.Event()

    def handle_error(self, request: object, client_address: object) -> None:
        """The gateway hangs up on a held answer (504, end of a stream test): nothing to report."""


class _Echo(BaseHTTPRequestHandler):
    """Answers with the path and headers it received; a few paths answer differently (see _answer)."""

    server: _EchoServer

    def _send(self, status: int, content_type: str, body: bytes, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        received = len(self.rfile.read(length)) if length else 0
        path, _, query = self.path.partition("?")
        if path == "/events":
            self._events()
            return
        if path == "/slow":
            self.server.release.wait(RELEASE_CAP_S)
        if path == "/typed":
            # A body well over GATEWAY_GZIP_MIN_LENGTH, of the content type asked for.
            content_type = parse_qs(query)["type"][0]
            self._send(200, content_type, json.dumps({"rows": ["x" * 40] * 200}).encode())
            return
        if path == "/limited":
            self._send(429, PROBLEM_JSON, b'{"status":429}', Retry_After="7")
            return
        body = json.dumps({"path": self.path, "headers": dict(self.headers), "received": received}).encode()
        # Headers the gateway owns: it must answer with its own values, once.
        self._send(
            200,
            "application/json",
            body,
            X_Request_ID="set-by-upstream",
            X_Frame_Options="SAMEORIGIN",
            Content_Security_Policy="default-src *",
            Access_Control_Allow_Origin="*",
            X_Powered_By="echo",
        )

    def _events(self) -> None:
        """One event, then (once the test has read it and sets `release`) a second one, then the end."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.write(b"event: tick\ndata: first\n\n")
        self.wfile.flush()
        released = self.server.release.wait(RELEASE_CAP_S)
        self.wfile.write(b"event: tick\ndata: %s\n\n" % (b"after-release" if released else b"cap-reached"))
        self.wfile.flush()

    do_GET = do_POST = do_OPTIONS = _answer

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def echo() -> Iterator[_EchoServer]:
    server = _EchoServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def _values(*, echo_port: int, settings: dict[str, str] | None = None) -> dict[str, str]:
    """Every service on the echo upstream but notifications, where nothing listens (the 502 case)."""
    upstreams = dict.fromkeys(SERVICES, f"127.0.0.1:{echo_port}")
    upstreams["notifications"] = f"127.0.0.1:{free_port()}"
    return gateway.template_values(
        listen=f"127.0.0.1:{free_port()}",
        access_log="/dev/null",
        upstreams=upstreams,
        settings={**UNLIMITED, **(settings or {})},
    )


@pytest.fixture(scope="module")
def gateway_url(echo: _EchoServer) -> Iterator[str]:
    """A gateway with the production-like defaults (the general rate limit lifted)."""
    with private_gateway(_values(echo_port=echo.server_address[1])) as url:
        yield url


type StartGateway = Callable[..., str]


@pytest.fixture
def start_gateway(echo: _EchoServer) -> Iterator[StartGateway]:
    """``start_gateway(GATEWAY_X="...")``: a fresh gateway with these settings, for this test only."""
    with ExitStack() as stack:

        def start(**settings: str) -> str:
            values = _values(echo_port=echo.server_address[1], settings=settings)
            return stack.enter_context(private_gateway(values))

        yield start
    echo.release.clear()


def _client_from(address: str) -> httpx.Client:
    """A client whose connections come from `address` (any 127.x.y.z works on loopback)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=10)


# --- rendering --------------------------------------------------------------------------------


def test_rendering_fills_placeholders_and_keeps_nginx_variables():
    text = "listen ${GATEWAY_LISTEN}; set $x $request_id; return 200 '${GATEWAY_LISTEN}';"
    rendered = gateway.render_template(text, {"GATEWAY_LISTEN": "8080"})
    assert rendered == "listen 8080; set $x $request_id; return 200 '8080';"


def test_rendering_refuses_a_missing_value():
    with pytest.raises(StackError, match="AUTH_UPSTREAM"):
        gateway.render_template("server ${AUTH_UPSTREAM};", {})


def test_unknown_settings_are_refused():
    with pytest.raises(StackError, match="GATEWAY_RATE"):
        gateway.template_values(
            listen="8080",
            access_log="off",
            upstreams=dict.fromkeys(SERVICES, "x:1"),
            settings={"GATEWAY_RATE": "1"},
        )


def test_every_placeholder_has_a_default_and_a_line_in_the_template_header():
    template = gateway.TEMPLATE.read_text()
    placeholders = set(gateway.PLACEHOLDER.findall(template))
    given_per_deployment = {"GATEWAY_LISTEN", "GATEWAY_ACCESS_LOG", "GATEWAY_DOCS_DIR"}
    upstreams = {f"{service.upper()}_UPSTREAM" for service in SERVICES}
    assert placeholders == set(GATEWAY_DEFAULTS) | given_per_deployment | upstreams
    header = "\n".join(line for line in template.splitlines() if line.startswith("#"))
    assert all(re.search(rf"\b{name}\b", header) for name in placeholders)
    # envsubst would replace $NAME as well as ${NAME}; the local renderer only the braced form.
    assert not re.search(r"\$[A-Z]", template)


def test_nginx_accepts_the_rendered_configuration(tmp_path):
    values = _values(echo_port=free_port())
    main = gateway.write_config(tmp_path, values=values, error_log=tmp_path / "error.log", worker=None)
    gateway.check_config(main, tmp_path / "error.log")


def test_the_local_stack_lifts_the_limits_and_takes_settings_from_its_environment(tmp_path):
    config = load_config(
        {"STACK_DIR": str(tmp_path), "GATEWAY_CORS_ALLOWED_ORIGINS": "http://localhost:5173"}
    )
    values = gateway.stack_values(config, listen="127.0.0.1:1", access_log="off", upstreams={"users": "u:1"})
    assert values["GATEWAY_CORS_ALLOWED_ORIGINS"] == "http://localhost:5173"
    assert values["GATEWAY_AUTH_RATE"] == LOCAL_GATEWAY_SETTINGS["GATEWAY_AUTH_RATE"] != "10r/m"
    assert values["GATEWAY_ALLOWED_HOSTS"].split() == ["localhost", "127.0.0.1"]
    assert values["USERS_UPSTREAM"] == "u:1"
    assert values["AUTH_UPSTREAM"] == f"127.0.0.1:{config.service_port('auth')}"


# --- routes, request ids, bodies, failures ----------------------------------------------------


def test_health_is_answered_by_the_gateway_itself(gateway_url):
    response = httpx.get(f"{gateway_url}/health")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "ok"}
    assert_security_headers(response)


def test_unknown_route_is_a_problem_json_404(gateway_url):
    assert_problem(httpx.get(f"{gateway_url}/no/such/route"), 404)


@pytest.mark.parametrize(
    ("prefix", "path"), [("auth", "/health/ready"), ("users", "/me?x=1"), ("imports", "/jobs")]
)
def test_routes_strip_their_prefix_and_forward_tracing_headers(gateway_url, prefix, path):
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    headers = {"traceparent": traceparent, "X-Request-ID": "req-42"}
    response = httpx.get(f"{gateway_url}/api/v1/{prefix}{path}", headers=headers)
    assert response.status_code == 200
    echoed = response.json()
    assert echoed["path"] == path
    assert echoed["headers"]["traceparent"] == traceparent
    assert echoed["headers"]["X-Request-ID"] == "req-42"
    assert echoed["headers"]["X-Forwarded-Prefix"] == f"/api/v1/{prefix}"
    assert response.headers.get_list("x-request-id") == ["req-42"]


def test_request_id_is_generated_when_absent_or_unsafe(gateway_url):
    for headers in ({}, {"X-Request-ID": 'has spaces and "quotes"'}):
        response = httpx.get(f"{gateway_url}/api/v1/users/x", headers=headers)
        generated = response.headers["x-request-id"]
        assert len(generated) == 32
        assert response.json()["headers"]["X-Request-ID"] == generated


def test_large_bodies_are_refused_except_for_imports(gateway_url):
    body = b"x" * (2 * 1024 * 1024)
    _ = assert_problem(httpx.post(f"{gateway_url}/api/v1/users/x", content=body), 413)
    accepted = httpx.post(f"{gateway_url}/api/v1/imports/upload", content=body)
    assert accepted.status_code == 200
    assert accepted.json()["received"] == len(body)


def test_unreachable_service_is_a_problem_json_502(gateway_url):
    _ = assert_problem(httpx.get(f"{gateway_url}/api/v1/notifications/health/ready"), 502)


def test_a_service_slower_than_the_read_timeout_is_a_problem_json_504(start_gateway, echo):
    url = start_gateway(GATEWAY_UPSTREAM_READ_TIMEOUT="1s")
    try:
        _ = assert_problem(httpx.get(f"{url}/api/v1/users/slow", timeout=RELEASE_CAP_S), 504)
    finally:
        echo.release.set()


def test_an_import_over_its_limit_is_refused_before_its_body_is_sent(gateway_url):
    # Only the headers go out: nginx answers from Content-Length, never reading 300 MB.
    url = urlsplit(gateway_url)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    try:
        connection.putrequest("POST", "/api/v1/imports/")
        connection.putheader("Content-Type", "multipart/form-data; boundary=x")
        connection.putheader("Content-Length", str(300 * 1024 * 1024))
        connection.endheaders()
        answer = connection.getresponse()
        body = json.loads(answer.read())
    finally:
        connection.close()
    assert answer.status == 413
    assert answer.getheader("content-type") == PROBLEM_JSON
    assert (body["status"], body["request_id"]) == (413, answer.getheader("x-request-id"))


# --- rate limits --------------------------------------------------------------------------------


@pytest.mark.parametrize("route", STRICT_ROUTES)
def test_sign_in_routes_refuse_beyond_their_burst_with_a_429_problem(start_gateway, route):
    url = start_gateway(GATEWAY_AUTH_RATE="1r/m", GATEWAY_AUTH_BURST="2", GATEWAY_AUTH_RETRY_AFTER="60")
    with _client_from("127.0.0.2") as client:
        answers = [
            client.post(f"{url}/api/v1/auth/{route}", data={"grant_type": "password"}) for _ in range(4)
        ]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    # Proxied exactly as the /api/v1/auth/ prefix is: prefix stripped, body passed on.
    assert answers[0].json()["path"] == f"/{route}"
    assert answers[0].json()["received"] > 0
    assert "retry-after" not in answers[0].headers
    refused = answers[3]
    body = assert_problem(refused, 429)
    assert refused.headers.get_list("retry-after") == ["60"]
    assert (body["limit"], body["retry_after"]) == ("auth", 60)
    assert "sign-in" in str(body["detail"])
    assert "1r/m" in str(body["detail"])


def test_the_sign_in_limit_leaves_other_routes_and_other_addresses_alone(start_gateway):
    url = start_gateway(GATEWAY_AUTH_RATE="1r/m", GATEWAY_AUTH_BURST="1", GATEWAY_API_RATE="1000r/s")
    with _client_from("127.0.0.2") as client:
        statuses = [client.post(f"{url}/api/v1/auth/token").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        others = [client.get(f"{url}/api/v1/auth/sessions").status_code for _ in range(20)]
        assert others == [200] * 20
        assert client.get(f"{url}/api/v1/users/me").status_code == 200
    with _client_from("127.0.0.3") as other_address:
        assert other_address.post(f"{url}/api/v1/auth/token").status_code == 200


def test_the_general_limit_counts_every_api_route_but_not_the_gateways_own_pages(start_gateway):
    url = start_gateway(GATEWAY_API_RATE="1r/m", GATEWAY_API_BURST="2", GATEWAY_API_RETRY_AFTER="30")
    with _client_from("127.0.0.2") as client:
        statuses = [
            client.get(f"{url}/api/v1/{route}/x").status_code for route in ("users", "imports", "auth")
        ]
        assert statuses == [200, 200, 200]
        refused = client.get(f"{url}/api/v1/users/x")
        body = assert_problem(refused, 429)
        assert refused.headers.get_list("retry-after") == ["30"]
        assert body["limit"] == "api"
        assert "1r/m" in str(body["detail"])
        assert [client.get(f"{url}{page}").status_code for page in ("/health", "/docs") * 5] == [200] * 10
        # The sign-in routes count against their own limit only.
        assert client.post(f"{url}/api/v1/auth/token").status_code == 200


def test_a_services_own_429_keeps_its_retry_after(gateway_url):
    response = httpx.get(f"{gateway_url}/api/v1/users/limited")
    assert response.status_code == 429
    assert response.headers.get_list("retry-after") == ["7"]


# --- CORS ---------------------------------------------------------------------------------------


def test_without_an_allow_list_no_origin_gets_cors_headers(gateway_url):
    response = httpx.get(f"{gateway_url}/api/v1/users/x", headers={"Origin": "https://app.example"})
    assert response.status_code == 200
    assert not [name for name in response.headers if name.startswith("access-control-")]
    assert "origin" not in response.headers.get("vary", "").lower()
    preflight = httpx.options(
        f"{gateway_url}/api/v1/users/x",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    _ = assert_problem(preflight, 403)
    assert not [name for name in preflight.headers if name.startswith("access-control-")]


@pytest.mark.parametrize("origin", ["https://app.example", "http://localhost:5173"])
def test_an_allowed_origin_gets_its_own_origin_back(start_gateway, origin):
    url = start_gateway(GATEWAY_CORS_ALLOWED_ORIGINS=ALLOWED_ORIGINS)
    response = httpx.get(f"{url}/api/v1/users/x", headers={"Origin": origin})
    assert response.status_code == 200
    assert response.headers.get_list("access-control-allow-origin") == [origin]
    exposed = {name.strip() for name in response.headers["access-control-expose-headers"].split(",")}
    assert exposed == {"X-Request-ID", "Location", "ETag", "Retry-After"}
    assert "Origin" in response.headers.get_list("vary")
    assert "access-control-allow-credentials" not in response.headers
    assert "access-control-allow-methods" not in response.headers


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "https://app.example.evil.example",
        "https://evil.app.example",
        "http://app.example",
        "https://app.example:443",
        "https://app.example/",
        "null",
        ALLOWED_ORIGINS,
        "x |https://app.example",
    ],
)
def test_other_origins_get_no_cors_headers(start_gateway, origin):
    url = start_gateway(GATEWAY_CORS_ALLOWED_ORIGINS=ALLOWED_ORIGINS)
    response = httpx.get(f"{url}/api/v1/users/x", headers={"Origin": origin})
    assert response.status_code == 200
    assert not [name for name in response.headers if name.startswith("access-control-")]
    assert "Origin" in response.headers.get_list("vary")


def test_a_preflight_from_an_allowed_origin_is_answered_by_the_gateway(start_gateway):
    url = start_gateway(GATEWAY_CORS_ALLOWED_ORIGINS=ALLOWED_ORIGINS, GATEWAY_CORS_MAX_AGE="120")
    response = httpx.options(
        f"{url}/api/v1/users/42",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, if-match, content-type",
        },
    )
    # The echo upstream would have answered 200 with a body.
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["access-control-allow-origin"] == "https://app.example"
    assert "PATCH" in response.headers["access-control-allow-methods"]
    allowed = {name.strip().lower() for name in response.headers["access-control-allow-headers"].split(",")}
    expected = {"authorization", "content-type", "idempotency-key", "if-match", "x-request-id", "traceparent"}
    assert expected <= allowed
    assert response.headers["access-control-max-age"] == "120"
    assert "Origin" in response.headers.get_list("vary")
    assert_security_headers(response)
    assert len(response.headers["x-request-id"]) == 32


def test_a_preflight_from_another_origin_is_a_403_problem(start_gateway):
    url = start_gateway(GATEWAY_CORS_ALLOWED_ORIGINS=ALLOWED_ORIGINS)
    response = httpx.options(
        f"{url}/api/v1/users/x",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "DELETE"},
    )
    _ = assert_problem(response, 403)
    assert not [name for name in response.headers if name.startswith("access-control-")]


def test_an_options_request_that_is_not_a_preflight_reaches_the_service(start_gateway):
    url = start_gateway(GATEWAY_CORS_ALLOWED_ORIGINS=ALLOWED_ORIGINS)
    response = httpx.options(f"{url}/api/v1/users/x", headers={"Origin": "https://app.example"})
    assert response.status_code == 200
    assert response.json()["path"] == "/x"


# --- host names ---------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "localhost.evil.example", "127.0.0.1.nip.io", "[::1]:8080"])
def test_another_host_name_gets_a_421_problem_not_the_api(gateway_url, host):
    response = httpx.get(f"{gateway_url}/api/v1/users/x", headers={"Host": host})
    body = assert_problem(response, 421)
    assert "host" in str(body["detail"])


@pytest.mark.parametrize("host", ["localhost", "localhost:8080", "LOCALHOST:1", "127.0.0.1:8080"])
def test_allowed_host_names_reach_the_api_with_any_port(gateway_url, host):
    response = httpx.get(f"{gateway_url}/api/v1/users/x", headers={"Host": host})
    assert response.status_code == 200
    assert response.json()["headers"]["Host"] == host


def test_health_answers_whatever_the_host(gateway_url):
    assert httpx.get(f"{gateway_url}/health", headers={"Host": "10.1.2.3:8080"}).status_code == 200


def test_a_request_without_a_host_is_misdirected(gateway_url):
    url = urlsplit(gateway_url)
    with socket.create_connection((url.hostname or "127.0.0.1", url.port or 80), timeout=10) as sock:
        sock.sendall(b"GET /api/v1/users/x HTTP/1.0\r\n\r\n")
        answer = b"".join(iter(lambda: sock.recv(65536), b""))
    assert answer.startswith(b"HTTP/1.1 421 ")
    assert b"application/problem+json" in answer


def test_host_names_are_configurable_and_match_in_any_case(start_gateway):
    url = start_gateway(GATEWAY_ALLOWED_HOSTS="API.example.com gateway")
    for host in ("api.example.com", "Api.Example.Com:443", "gateway:8080"):
        assert httpx.get(f"{url}/api/v1/users/x", headers={"Host": host}).status_code == 200, host
    for host in ("localhost", "example.com", "x.api.example.com", "gatewayx"):
        _ = assert_problem(httpx.get(f"{url}/api/v1/users/x", headers={"Host": host}), 421)


def test_a_star_serves_every_host_name(start_gateway):
    url = start_gateway(GATEWAY_ALLOWED_HOSTS="*")
    assert httpx.get(f"{url}/api/v1/users/x", headers={"Host": "api.example.com"}).status_code == 200


# --- security headers ---------------------------------------------------------------------------


def test_proxied_answers_carry_the_gateways_security_headers_once(gateway_url):
    response = httpx.get(f"{gateway_url}/api/v1/users/x")
    assert response.status_code == 200
    # The echo upstream sends its own X-Frame-Options, CSP, CORS and X-Powered-By: all replaced.
    assert_security_headers(response)
    assert "access-control-allow-origin" not in response.headers
    assert "strict-transport-security" not in response.headers


def test_strict_transport_security_is_sent_once_configured(start_gateway):
    url = start_gateway(GATEWAY_HSTS="max-age=31536000; includeSubDomains")
    for path in ("/api/v1/users/x", "/no/such/route", "/health"):
        hsts = httpx.get(f"{url}{path}").headers.get_list("strict-transport-security")
        assert hsts == ["max-age=31536000; includeSubDomains"]


def test_schema_viewers_get_a_policy_that_lets_them_load_and_json_keeps_the_strict_one(gateway_url):
    viewer = httpx.get(f"{gateway_url}/api/v1/users/schema/swagger")
    policy = viewer.headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net" in policy
    assert "frame-ancestors 'none'" in policy
    document = httpx.get(f"{gateway_url}/api/v1/users/schema/openapi.json")
    assert document.headers["content-security-policy"] == API_CSP


# --- compression and event streams --------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        PROBLEM_JSON,
        "application/vnd.oai.openapi+json",
        "text/csv",
        "text/plain",
        "text/html",
    ],
)
def test_large_text_answers_are_gzipped(gateway_url, content_type):
    response = httpx.get(
        f"{gateway_url}/api/v1/users/typed",
        params={"type": content_type},
        headers={"Accept-Encoding": "gzip"},
    )
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers.get_list("vary")
    assert len(response.json()["rows"]) == 200


def test_small_answers_and_clients_without_gzip_get_plain_bodies(gateway_url):
    small = httpx.get(f"{gateway_url}/api/v1/users/x", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
    large = httpx.get(
        f"{gateway_url}/api/v1/users/typed",
        params={"type": "application/json"},
        headers={"Accept-Encoding": "identity"},
    )
    assert "content-encoding" not in large.headers


def test_an_event_stream_is_neither_compressed_nor_buffered(start_gateway, echo):
    url = start_gateway()
    headers = {"Accept-Encoding": "gzip", "Accept": "text/event-stream"}
    try:
        with httpx.stream(
            "GET", f"{url}/api/v1/users/events", headers=headers, timeout=RELEASE_CAP_S * 2
        ) as response:
            assert response.headers["content-type"] == "text/event-stream"
            assert "content-encoding" not in response.headers
            lines = response.iter_lines()
            # The upstream holds its second event until this first one has arrived.
            assert [next(lines), next(lines)] == ["event: tick", "data: first"]
            echo.release.set()
            rest = [line for line in lines if line]
    finally:
        echo.release.set()
    assert rest == ["event: tick", "data: after-release"]


# --- /docs --------------------------------------------------------------------------------------


def test_docs_page_links_each_services_openapi_and_asyncapi(gateway_url):
    response = httpx.get(f"{gateway_url}/docs")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    policy = response.headers["content-security-policy"]
    assert policy.startswith("default-src 'none'")
    assert "frame-ancestors 'none'" in policy
    links = set(docs_links(response.text))
    for route in ROUTES.values():
        assert f"/api/v1/{route}/schema/openapi.json" in links
        assert f"/api/v1/{route}/asyncapi.json" in links
    assert_security_headers(response, csp=policy)


def test_each_service_is_mounted_where_its_openapi_document_says() -> None:
    template = gateway.TEMPLATE.read_text()
    mounted = {
        service: prefix
        for prefix, service in re.findall(
            r"location (/api/v1/[a-z]+)/ \{[^}]*?proxy_pass http://switchyard_([a-z]+)/;", template
        )
    }
    assert mounted == dict(GATEWAY_PREFIXES)


def test_any_gateway_setting_in_the_environment_of_make_up_wins(tmp_path):
    environment = {"STACK_DIR": str(tmp_path), "GATEWAY_HSTS": "max-age=60", "GATEWAY_API_RATE": "5r/s"}
    config = load_config(environment)
    values = gateway.stack_values(config, listen="127.0.0.1:1", access_log="off")
    assert values["GATEWAY_HSTS"] == "max-age=60"
    assert values["GATEWAY_API_RATE"] == "5r/s"
    # Unset ones keep the local stack's value, else the production default.
    assert values["GATEWAY_AUTH_RATE"] == LOCAL_GATEWAY_SETTINGS["GATEWAY_AUTH_RATE"]
    assert values["GATEWAY_GZIP_MIN_LENGTH"] == GATEWAY_DEFAULTS["GATEWAY_GZIP_MIN_LENGTH"]
