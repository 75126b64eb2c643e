"""A private nginx serving a rendered gateway template, for tests (not the stack's gateway)."""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import httpx

from deploy.local import gateway

PROBLEM_JSON = "application/problem+json"
# Security headers the gateway puts on every answer, its own and the services'.
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-resource-policy": "same-origin",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"


@contextmanager
def private_gateway(values: Mapping[str, str]) -> Iterator[str]:
    """nginx on `values`' GATEWAY_LISTEN (host:port) until the block ends; yields its base URL.

    Its files go to a folder of their own that nginx's workers can read (root's nginx runs them as
    nobody, and pytest's temporary folders are private), with the access log next to them.
    """
    with tempfile.TemporaryDirectory(prefix="switchyard-gateway-") as name:
        directory = Path(name)
        directory.chmod(0o755)
        with _running(directory, {**values, "GATEWAY_ACCESS_LOG": str(directory / "access.log")}) as url:
            yield url


@contextmanager
def _running(directory: Path, values: Mapping[str, str]) -> Iterator[str]:
    error_log = directory / "error.log"
    main = gateway.write_config(directory, values=values, error_log=error_log, worker=None)
    proc = subprocess.Popen(gateway.nginx_argv(main, error_log), stderr=subprocess.DEVNULL)
    url = f"http://{values['GATEWAY_LISTEN']}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"{url}/health", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"nginx did not start: {error_log.read_text(errors='replace')}"
                    ) from None
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    """An RFC 9457 answer carrying the request id and the gateway's security headers."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"]
    assert body["request_id"] == response.headers["x-request-id"]
    assert_security_headers(response)
    return dict(body)


def assert_security_headers(response: httpx.Response, csp: str = API_CSP) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get_list(name) == [value], name
    assert response.headers.get_list("content-security-policy") == [csp]
    assert response.headers.get("server") == "nginx"
    assert "x-powered-by" not in response.headers


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [value for name, value in attrs if tag == "a" and name == "href" and value]


def docs_links(html: str) -> list[str]:
    """The href of every link of the /docs page."""
    parser = _Links()
    parser.feed(html)
    return parser.hrefs
