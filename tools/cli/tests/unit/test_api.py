"""The HTTP client against an in-process mock transport (no network)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from switchyard.cli.api import ApiError, GatewayClient, StreamInterrupted, login

JOB = {
    "id": "j1",
    "status": "queued",
    "filename": "users.csv",
    "total": None,
    "processed": 0,
    "extra": "ignored",
}

Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler) -> GatewayClient:
    return GatewayClient("http://gw/", "tok", transport=httpx.MockTransport(handler))


def sse(*events: dict[str, Any]) -> bytes:
    return "".join(
        f"event: progress\nid: {i}\ndata: {json.dumps(e)}\n\n" for i, e in enumerate(events)
    ).encode()


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "users.csv"
    path.write_text("email,username,full_name,role\na@b.test,abc,A B,user\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("status", "reused"), [(202, False), (200, True)])
def test_upload_sends_multipart_with_flags(csv_file: Path, status: int, reused: bool) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return httpx.Response(status, json=JOB, headers={"Location": "/api/v1/imports/j1"})

    with client(handler) as api:
        upload = api.upload(csv_file, dry_run=True, notify=False, force=False, mapping='{"Mail":"email"}')

    request = seen[0]
    body = request.content.decode()
    assert (request.method, str(request.url)) == ("POST", "http://gw/api/v1/imports/")
    assert request.headers["authorization"] == "Bearer tok"
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert 'name="file"; filename="users.csv"\r\nContent-Type: text/csv' in body
    assert "a@b.test,abc,A B,user" in body
    for name, value in [
        ("dry_run", "true"),
        ("notify", "false"),
        ("force", "false"),
        ("mapping", '{"Mail":"email"}'),
    ]:
        assert f'name="{name}"\r\n\r\n{value}\r\n' in body
    assert (upload.job.id, upload.reused, upload.location) == ("j1", reused, "/api/v1/imports/j1")


def test_problem_details_become_an_api_error(csv_file: Path) -> None:
    problem = {
        "type": "about:blank",
        "title": "Unprocessable file",
        "status": 422,
        "detail": "The header is wrong.",
        "errors": [{"path": "header", "message": "no email column"}, {"message": "empty file"}],
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(422, json=problem, headers={"content-type": "application/problem+json"})

    with client(handler) as api, pytest.raises(ApiError) as exc:
        api.upload(csv_file, dry_run=False, notify=True, force=False)

    assert (exc.value.status, exc.value.title, exc.value.detail) == (
        422,
        "Unprocessable file",
        "The header is wrong.",
    )
    assert exc.value.messages == ["header: no email column", "empty file"]


def test_a_non_json_error_still_reads() -> None:
    with client(lambda _: httpx.Response(502, text="Bad Gateway")) as api, pytest.raises(ApiError) as exc:
        api.get_import("j1")

    assert (exc.value.title, exc.value.detail) == ("HTTP 502", "Bad Gateway")


def test_login_posts_the_password_grant() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"access_token": "abc", "token_type": "Bearer"})

    token = login("http://gw", "ada", "p&ss", transport=httpx.MockTransport(handler))

    assert token == "abc"
    assert str(seen[0].url) == "http://gw/api/v1/auth/token"
    assert seen[0].content == b"grant_type=password&username=ada&password=p%26ss"


def test_login_error_carries_the_description() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400, json={"error": "invalid_grant", "error_description": "Wrong login or password"}
        )

    with pytest.raises(ApiError) as exc:
        login("http://gw", "ada", "bad", transport=httpx.MockTransport(handler))

    assert (exc.value.title, exc.value.detail) == ("invalid_grant", "Wrong login or password")


def test_errors_are_listed_with_a_limit() -> None:
    items = [{"row_number": 3, "column": "email", "code": "invalid_email", "message": "not an email"}]

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/imports/j1/errors"
        assert request.url.params["limit"] == "5"
        return httpx.Response(200, json={"items": items, "next_cursor": None})

    with client(handler) as api:
        errors = api.list_errors("j1", 5)

    assert [(e.row_number, e.column, e.code) for e in errors] == [(3, "email", "invalid_email")]


def test_events_yield_progress_and_send_last_event_id() -> None:
    seen: list[httpx.Request] = []
    body = b": keep-alive\n\nevent: ping\ndata: x\n\n" + sse(
        {**JOB, "status": "processing"}, {**JOB, "status": "completed"}
    )

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})

    with client(handler) as api:
        events = list(api.events("j1", last_event_id="7"))

    assert [(event_id, job.status) for event_id, job in events] == [("0", "processing"), ("1", "completed")]
    assert seen[0].headers["last-event-id"] == "7"
    assert seen[0].headers["accept"] == "text/event-stream"


def test_a_dropped_stream_is_interrupted() -> None:
    def broken() -> Iterator[bytes]:
        yield sse({**JOB, "status": "processing"})
        raise httpx.ReadError("connection reset")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=broken(), headers={"content-type": "text/event-stream"})

    received: list[str] = []
    with client(handler) as api:
        events = api.events("j1")
        received.append(next(events)[1].status)
        with pytest.raises(StreamInterrupted):
            next(events)

    assert received == ["processing"]


@pytest.mark.parametrize(("status", "error"), [(503, StreamInterrupted), (404, ApiError)])
def test_events_error_answers(status: int, error: type[Exception]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"title": "Nope", "status": status})

    with client(handler) as api, pytest.raises(error):
        list(api.events("j1"))
