"""The gateway template, rendered and served by a real nginx in front of a tiny echo upstream."""

import http.client
import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from deploy.local import gateway
from deploy.local.config import SERVICES, StackError

PROBLEM_JSON = "application/problem+json"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Echo(BaseHTTPRequestHandler):
    """Answers with the path and headers it received."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        received = len(self.rfile.read(length)) if length else 0
        body = json.dumps({"path": self.path, "headers": dict(self.headers), "received": received}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Request-ID", "set-by-upstream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def echo_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def _render(directory: Path, *, listen_port: int, upstream_port: int, dead_port: int) -> Path:
    upstreams = dict.fromkeys(SERVICES, f"127.0.0.1:{upstream_port}")
    upstreams["notifications"] = f"127.0.0.1:{dead_port}"  # nothing listens: for the 502 case
    values = gateway.template_values(
        listen=f"127.0.0.1:{listen_port}", access_log=str(directory / "access.log"), upstreams=upstreams
    )
    return gateway.write_config(directory, values=values, error_log=directory / "error.log", worker=None)


@pytest.fixture(scope="module")
def gateway_url(tmp_path_factory: pytest.TempPathFactory, echo_port: int) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("gateway")
    port = _free_port()
    main = _render(directory, listen_port=port, upstream_port=echo_port, dead_port=_free_port())
    proc = subprocess.Popen(gateway.nginx_argv(main, directory / "error.log"), stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            httpx.get(f"{url}/health", timeout=1)
            break
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"nginx did not start: {(directory / 'error.log').read_text(errors='replace')}")
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def _assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"]
    assert body["request_id"] == response.headers["x-request-id"]
    return dict(body)


def test_rendering_fills_placeholders_and_keeps_nginx_variables():
    text = "listen ${GATEWAY_LISTEN}; set $x $request_id; return 200 '${GATEWAY_LISTEN}';"
    rendered = gateway.render_template(text, {"GATEWAY_LISTEN": "8080"})
    assert rendered == "listen 8080; set $x $request_id; return 200 '8080';"


def test_rendering_refuses_a_missing_value():
    with pytest.raises(StackError, match="AUTH_UPSTREAM"):
        gateway.render_template("server ${AUTH_UPSTREAM};", {})


def test_nginx_accepts_the_rendered_configuration(tmp_path):
    main = _render(tmp_path, listen_port=_free_port(), upstream_port=_free_port(), dead_port=_free_port())
    gateway.check_config(main, tmp_path / "error.log")


def test_health_is_answered_by_the_gateway_itself(gateway_url):
    response = httpx.get(f"{gateway_url}/health")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "ok"}
    assert "nginx/" not in response.headers.get("server", "")


def test_unknown_route_is_a_problem_json_404(gateway_url):
    _assert_problem(httpx.get(f"{gateway_url}/no/such/route"), 404)


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
    _assert_problem(httpx.post(f"{gateway_url}/api/v1/users/x", content=body), 413)
    accepted = httpx.post(f"{gateway_url}/api/v1/imports/upload", content=body)
    assert accepted.status_code == 200
    assert accepted.json()["received"] == len(body)


def test_unreachable_service_is_a_problem_json_502(gateway_url):
    _assert_problem(httpx.get(f"{gateway_url}/api/v1/notifications/health/ready"), 502)


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
