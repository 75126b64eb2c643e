"""The import command from upload to exit code, against an in-process mock gateway."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console

from switchyard.cli.api import GatewayClient
from switchyard.cli.args import ImportOptions
from switchyard.cli.importing import run_import

JOB: dict[str, Any] = {"id": "j1", "status": "queued", "total": None, "processed": 0, "dry_run": False}
DONE: dict[str, Any] = {
    **JOB,
    "status": "completed",
    "total": 10,
    "processed": 10,
    "succeeded": 8,
    "failed": 2,
    "rows_per_s": 500.0,
}
ERRORS = [
    {"row_number": 2, "column": "email", "code": "invalid_email", "message": "not an email"},
    {"row_number": 7, "column": "role", "code": "unknown_role", "message": "superuser is no role"},
]


class FakeGateway:
    def __init__(self, upload_status: int = 202) -> None:
        self.upload_status = upload_status
        self.paths: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(f"{request.method} {request.url.path}")
        match request.method, request.url.path:
            case "POST", "/api/v1/imports/":
                return httpx.Response(self.upload_status, json=JOB)
            case "GET", "/api/v1/imports/j1":
                return httpx.Response(200, json=DONE)
            case "GET", "/api/v1/imports/j1/events":
                body = "".join(
                    f"event: progress\nid: {i}\ndata: {json.dumps(job)}\n\n"
                    for i, job in enumerate(
                        [{**JOB, "status": "processing", "total": 10, "processed": 4}, DONE]
                    )
                )
                return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})
            case "GET", "/api/v1/imports/j1/errors":
                return httpx.Response(200, json={"items": ERRORS, "next_cursor": None})
        return httpx.Response(404, json={"title": "Not Found", "status": 404})


def options(file: Path, *, errors: int = 10) -> ImportOptions:
    return ImportOptions(file, "http://gw", "tok", None, False, False, True, False, None, errors, True)


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "users.csv"
    path.write_text("email,username,full_name,role\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("terminal", "follows"), [(False, "GET /api/v1/imports/j1"), (True, "GET /api/v1/imports/j1/events")]
)
def test_import_with_rejected_rows_exits_1(csv_file: Path, terminal: bool, follows: str) -> None:
    gateway = FakeGateway()
    console = Console(record=True, width=140, force_terminal=terminal)

    with GatewayClient("http://gw", "tok", transport=httpx.MockTransport(gateway)) as client:
        code = run_import(options(csv_file), client, console)

    text = console.export_text()
    assert code == 1
    assert gateway.paths == ["POST /api/v1/imports/", follows, "GET /api/v1/imports/j1/errors"]
    assert "Import j1 accepted" in text
    assert "superuser is no role" in text
    assert "Rejected rows (2)" in text


def test_a_reused_job_is_announced_and_errors_can_be_skipped(csv_file: Path) -> None:
    gateway = FakeGateway(upload_status=200)
    console = Console(record=True, width=140, force_terminal=False)

    with GatewayClient("http://gw", "tok", transport=httpx.MockTransport(gateway)) as client:
        code = run_import(options(csv_file, errors=0), client, console)

    assert code == 1
    assert "already uploaded in the last 24 h" in console.export_text()
    assert "GET /api/v1/imports/j1/errors" not in gateway.paths
