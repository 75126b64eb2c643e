"""Structured JSON logging: context, trace ids and redaction; the console format for development."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator

import pytest
import structlog
from opentelemetry.sdk.trace import TracerProvider

from switchyard.common.observability.logging import configure_logging
from switchyard.common.observability.redaction import REDACTED, is_sensitive_key, redact_secrets


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "new_password",
        "Password-Hash",
        "client_secret",
        "Authorization",
        "access_token",
        "token",
        "cookie",
    ],
)
def test_sensitive_keys(key: str) -> None:
    assert is_sensitive_key(key)


@pytest.mark.parametrize("key", ["token_id", "user_id", "email", "event", "tokens_issued", "status"])
def test_ordinary_keys(key: str) -> None:
    assert not is_sensitive_key(key)


def test_redaction_reaches_nested_values_and_bearer_strings() -> None:
    event = {
        "event": "login",
        "password": "hunter2",
        "request": {"headers": {"authorization": "Bearer abc", "accept": "json"}, "items": [{"secret": 1}]},
        "note": "Bearer eyJhbGciOi",
        "email": "a@example.com",
    }

    redacted = redact_secrets(None, "info", event)

    assert redacted == {
        "event": "login",
        "password": REDACTED,
        "request": {
            "headers": {"authorization": REDACTED, "accept": "json"},
            "items": [{"secret": REDACTED}],
        },
        "note": REDACTED,
        "email": "a@example.com",
    }


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("DEBUG", service="users", stream=stream)
    yield stream
    structlog.reset_defaults()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_structlog_line_is_json_with_service_context_and_trace(log_stream: io.StringIO) -> None:
    tracer = TracerProvider().get_tracer("test")
    with (
        structlog.contextvars.bound_contextvars(request_id="req-1"),
        tracer.start_as_current_span("work") as span,
    ):
        structlog.get_logger("switchyard.test").info("user_registered", user_id="u1", password="pw")
    context = span.get_span_context()

    (line,) = _lines(log_stream)

    assert line["event"] == "user_registered"
    assert line["service"] == "users"
    assert line["request_id"] == "req-1"
    assert line["level"] == "info"
    assert line["trace_id"] == format(context.trace_id, "032x")
    assert line["span_id"] == format(context.span_id, "016x")
    assert line["password"] == REDACTED
    assert "timestamp" in line


def test_stdlib_logs_are_json_and_redacted(log_stream: io.StringIO) -> None:
    logging.getLogger("uvicorn.error").warning("started %s", "server", extra={"api_key": "k"})

    (line,) = _lines(log_stream)

    assert line["event"] == "started server"
    assert line["logger"] == "uvicorn.error"
    assert line["service"] == "users"
    assert "trace_id" not in line


def test_exception_is_logged_with_frames_but_without_locals(log_stream: io.StringIO) -> None:
    def fail(password: str) -> None:
        raise ValueError("bad")

    try:
        fail("hunter2")
    except ValueError:
        structlog.get_logger("switchyard.test").exception("failed")

    (line,) = _lines(log_stream)

    assert line["exception"][0]["exc_type"] == "ValueError"  # type: ignore[index]
    assert "hunter2" not in json.dumps(line)


@pytest.fixture
def console_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("DEBUG", service="users", json=False, stream=stream)
    yield stream
    structlog.reset_defaults()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_console_exception_shows_the_traceback_but_not_the_locals(console_stream: io.StringIO) -> None:
    # Made at run time: the traceback quotes source lines, and a literal would be found there.
    secret = f"s3cret-{uuid.uuid4().hex}"

    def change_password(user: str, new_password: str) -> None:
        password = new_password
        raise ValueError(f"cannot change the password of {user} ({len(password)} characters)")

    try:
        change_password("ada", secret)
    except ValueError:
        structlog.get_logger("switchyard.test").exception("password_change_failed")

    output = console_stream.getvalue()
    assert "password_change_failed" in output
    assert "ValueError" in output
    assert "change_password" in output, "the frames are still shown"
    assert secret not in output
