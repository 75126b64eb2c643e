"""Assertions on RFC 9457 problem answers, shared by the services' API tests."""

from __future__ import annotations

from typing import Any

import httpx

from switchyard.common.http import PROBLEM_JSON


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert ``response`` is a problem document of ``status``; its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON, response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def error_paths(response: httpx.Response) -> list[str]:
    """The ``errors[].path`` of a 422 problem."""
    return [error["path"] for error in assert_problem(response, 422)["errors"]]
