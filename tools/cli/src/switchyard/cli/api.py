"""A thin synchronous client of the gateway's auth and import endpoints."""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
from httpx_sse import SSEError, connect_sse

from switchyard.cli.models import ImportRead, RowError, Upload

API_PREFIX = "/api/v1"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, read=120.0)
# A quiet stream past this is treated as dropped; the caller reconnects.
EVENTS_TIMEOUT = httpx.Timeout(30.0, read=60.0)


@dataclass(eq=False)
class ApiError(Exception):
    """An error answer of the gateway, read from problem+json (RFC 9457) or an OAuth error."""

    status: int
    title: str
    detail: str | None = None
    messages: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.title}: {self.detail}" if self.detail else self.title

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            text = response.text.strip()[:200] or None
            return cls(response.status_code, f"HTTP {response.status_code}", text)
        if "error" in body and "title" not in body:  # OAuth 2 token endpoint error
            return cls(response.status_code, str(body["error"]), _opt_str(body.get("error_description")))
        errors = body.get("errors") or []
        messages = [_error_message(e) for e in errors if isinstance(e, dict)]
        title = str(body.get("title") or f"HTTP {response.status_code}")
        return cls(response.status_code, title, _opt_str(body.get("detail")), messages)


class StreamInterrupted(Exception):
    """The event stream broke off or could not be opened for a reason worth a retry."""


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _error_message(error: dict[str, Any]) -> str:
    message = str(error.get("message", ""))
    path = error.get("path")
    return f"{path}: {message}" if path else message


def _raise_for_problem(response: httpx.Response) -> None:
    if response.is_error:
        raise ApiError.from_response(response)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def login(
    base_url: str, username: str, password: str, *, transport: httpx.BaseTransport | None = None
) -> str:
    """Exchange a login and password for an access token (OAuth 2 password grant)."""
    form = {"grant_type": "password", "username": username, "password": password}
    with httpx.Client(base_url=base_url, timeout=DEFAULT_TIMEOUT, transport=transport) as http:
        response = http.post(f"{API_PREFIX}/auth/token", data=form)
    _raise_for_problem(response)
    return str(response.json()["access_token"])


class GatewayClient:
    """The import endpoints behind the gateway, called with a bearer token."""

    def __init__(self, base_url: str, token: str, *, transport: httpx.BaseTransport | None = None) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + API_PREFIX,
            headers={"Authorization": f"Bearer {token}"},
            timeout=DEFAULT_TIMEOUT,
            transport=transport,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def upload(
        self, path: Path, *, dry_run: bool, notify: bool, force: bool, mapping: str | None = None
    ) -> Upload:
        """Send a CSV file as multipart form data; the file is streamed, not read whole."""
        data = {"dry_run": _flag(dry_run), "notify": _flag(notify), "force": _flag(force)}
        if mapping is not None:
            data["mapping"] = mapping
        with path.open("rb") as fh:
            response = self._http.post("/imports/", data=data, files={"file": (path.name, fh, "text/csv")})
        _raise_for_problem(response)
        job = ImportRead.from_json(response.json())
        return Upload(job=job, reused=response.status_code == 200, location=response.headers.get("location"))

    def get_import(self, job_id: str) -> ImportRead:
        response = self._http.get(f"/imports/{job_id}")
        _raise_for_problem(response)
        return ImportRead.from_json(response.json())

    def list_errors(self, job_id: str, limit: int) -> list[RowError]:
        response = self._http.get(f"/imports/{job_id}/errors", params={"limit": limit})
        _raise_for_problem(response)
        return [RowError.from_json(item) for item in response.json().get("items", [])]

    def events(
        self, job_id: str, last_event_id: str | None = None
    ) -> Generator[tuple[str, ImportRead], None, None]:
        """Yield (event id, job) for each `progress` event until the server closes the stream.

        Raises StreamInterrupted when a retry may help, ApiError when it will not (4xx).
        """
        headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
        try:
            with connect_sse(
                self._http, "GET", f"/imports/{job_id}/events", headers=headers, timeout=EVENTS_TIMEOUT
            ) as source:
                if source.response.is_error:
                    source.response.read()
                    if source.response.status_code < 500:
                        raise ApiError.from_response(source.response)
                    raise StreamInterrupted(f"HTTP {source.response.status_code}")
                for event in source.iter_sse():
                    if event.event == "progress":
                        yield event.id, ImportRead.from_json(json.loads(event.data))
        except (httpx.TransportError, SSEError, json.JSONDecodeError) as exc:
            raise StreamInterrupted(str(exc) or type(exc).__name__) from exc
