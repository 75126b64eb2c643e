"""create_app end to end: problems for every error, request context, health, metrics, body limit, schema."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import httpx
import msgspec
import pytest
import structlog
from litestar import Litestar, get, post
from litestar.exceptions import NotAuthorizedException, ServiceUnavailableException
from litestar.params import FromQuery, JSONBody
from litestar.response import ServerSentEvent
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import OperationalError
from structlog.testing import capture_logs

from switchyard.common.http import (
    PROBLEM_JSON,
    HttpSettings,
    ProblemError,
    ReadinessCheck,
    create_app,
    maps_to,
    redis_check,
)
from switchyard.common.http.app import GATEWAY_PREFIXES
from switchyard.common.observability import configure_logging

pytestmark = pytest.mark.integration


def asgi_transport(app: Litestar) -> httpx.ASGITransport:
    """Serve ``app`` in the caller's event loop (Litestar types ASGI more narrowly than httpx)."""
    return httpx.ASGITransport(app)  # type: ignore[arg-type]


class NewUser(msgspec.Struct):
    email: Annotated[str, msgspec.Meta(min_length=3)]
    age: Annotated[int, msgspec.Meta(ge=0)]


class EmailTaken(Exception):
    pass


@post("/users")
async def register(data: JSONBody[NewUser]) -> dict[str, str]:
    return {"email": data.email}


@get("/search")
async def search(limit: FromQuery[int]) -> dict[str, int]:
    return {"limit": limit}


@get("/noisy")
async def noisy() -> dict[str, str]:
    structlog.get_logger("switchyard.test").info("handled", authorization="Bearer secret-token")
    return {"ok": "yes"}


@get("/crash")
async def crash() -> None:
    raise RuntimeError("db password=hunter2 at /srv/app.py line 3")


@get("/teapot")
async def teapot() -> None:
    raise ProblemError(418, "Teapot", "Short and stout.", type="urn:switchyard:teapot")


@get("/taken")
async def taken() -> None:
    raise EmailTaken("a@example.com is registered")


@get("/denied")
async def denied() -> None:
    raise NotAuthorizedException("no entry")


@get("/unavailable")
async def unavailable() -> None:
    raise ServiceUnavailableException("pool exhausted at 10.0.0.3")


@get("/events")
async def events() -> ServerSentEvent:
    async def stream() -> AsyncIterator[str]:
        yield "one"

    return ServerSentEvent(stream())


@get("/database-down")
async def database_down() -> None:
    raise OperationalError("SELECT 1", {}, ConnectionRefusedError("10.0.0.4:5432 refused"))


@get("/redis-down")
async def redis_down() -> None:
    raise RedisConnectionError("Error 111 connecting to 10.0.0.5:6379")


def build(readiness_checks: list[ReadinessCheck] | None = None, **settings: float) -> Litestar:
    return create_app(
        service="testsvc",
        version="9.9.9",
        settings=HttpSettings(max_body_bytes=256, **settings),  # type: ignore[arg-type]
        route_handlers=[
            register,
            search,
            noisy,
            crash,
            teapot,
            taken,
            denied,
            unavailable,
            database_down,
            redis_down,
            events,
        ],
        readiness_checks=readiness_checks or [],
        problems={EmailTaken: maps_to(409, "Email taken")},
    )


@pytest.fixture
async def client() -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(build()) as test_client:
        yield test_client


@asynccontextmanager
async def serve(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """Run ``app`` in this test's event loop, where the Redis clients it was given live.

    Litestar's AsyncTestClient runs the app on a separate thread's loop instead.
    """
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=asgi_transport(app), base_url="http://t") as c,
    ):
        yield c


def assert_problem(response: object, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == PROBLEM_JSON  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()
    return body


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/no-such-route", 404),
        ("DELETE", "/users", 405),
        ("GET", "/denied", 401),
        ("GET", "/taken", 409),
        ("GET", "/teapot", 418),
        ("GET", "/search?limit=abc", 422),
        ("GET", "/crash", 500),
        ("GET", "/unavailable", 503),
        ("GET", "/database-down", 503),
        ("GET", "/redis-down", 503),
    ],
)
async def test_every_error_is_a_problem(
    client: AsyncTestClient[Litestar], method: str, path: str, status: int
) -> None:
    body = assert_problem(await client.request(method, path), status)

    assert body["instance"] == path.split("?")[0]


async def test_domain_and_custom_problems_keep_their_members(client: AsyncTestClient[Litestar]) -> None:
    taken_body = assert_problem(await client.get("/taken"), 409)
    teapot_body = assert_problem(await client.get("/teapot"), 418)

    assert (taken_body["title"], taken_body["detail"]) == ("Email taken", "a@example.com is registered")
    assert (teapot_body["type"], teapot_body["title"]) == ("urn:switchyard:teapot", "Teapot")


async def test_validation_problem_lists_field_paths(client: AsyncTestClient[Litestar]) -> None:
    body = assert_problem(await client.post("/users", json={"email": "ab", "age": 3}), 422)
    query_body = assert_problem(await client.get("/search?limit=abc"), 422)

    assert body["errors"] == [{"path": "body.email", "message": "Expected `str` of length >= 3"}]
    assert query_body["errors"] == [{"path": "query.limit", "message": "Expected `int`, got `str`"}]


async def test_malformed_json_is_a_400_problem(client: AsyncTestClient[Litestar]) -> None:
    assert_problem(
        await client.post("/users", content=b"{not json", headers={"content-type": "application/json"}), 400
    )


async def test_unexpected_error_hides_internals_but_is_logged(client: AsyncTestClient[Litestar]) -> None:
    with capture_logs() as logs:
        response = await client.get("/crash")

    body = assert_problem(response, 500)
    assert body["detail"] == "An unexpected error occurred."
    for leak in ("RuntimeError", "hunter2", "Traceback", "app.py"):
        assert leak not in response.text
    (logged,) = [entry for entry in logs if entry["event"] == "unhandled_exception"]
    assert logged["log_level"] == "error"
    assert isinstance(logged["exc_info"], RuntimeError)


async def test_server_error_detail_from_http_exception_is_not_exposed(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/unavailable")

    assert "10.0.0.3" not in response.text


@pytest.mark.parametrize("path", ["/database-down", "/redis-down"])
async def test_a_backing_service_outage_is_a_503_to_retry_not_a_500(
    client: AsyncTestClient[Litestar], path: str
) -> None:
    response = await client.get(path)

    body = assert_problem(response, 503)
    assert response.headers["retry-after"] == "5"
    assert body["detail"] == "A backing service is unavailable; try again shortly."
    assert "10.0.0." not in response.text


async def test_body_over_the_limit_is_a_413_problem(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post("/users", json={"email": "x" * 300, "age": 1})

    assert_problem(response, 413)


async def test_request_id_is_echoed_when_sane(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/search?limit=1", headers={"x-request-id": "req-abc.123"})

    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-abc.123"


async def test_request_id_is_generated_when_missing_or_insane(client: AsyncTestClient[Litestar]) -> None:
    missing = await client.get("/search?limit=1")
    insane = await client.get("/no-such-route", headers={"x-request-id": "bad id\twith spaces"})

    assert len(missing.headers["x-request-id"]) == 32
    assert len(insane.headers["x-request-id"]) == 32
    assert missing.headers["x-request-id"] != insane.headers["x-request-id"]


async def test_server_timing_is_on_success_and_error_responses(client: AsyncTestClient[Litestar]) -> None:
    for response in (await client.get("/search?limit=1"), await client.get("/no-such-route")):
        name, _, duration = response.headers["server-timing"].partition(";dur=")
        assert name == "app"
        assert float(duration) >= 0


async def test_slow_request_is_logged_with_request_id() -> None:
    async with AsyncTestClient(build(slow_request_ms=0)) as slow_client:
        with capture_logs() as logs:
            response = await slow_client.get("/search?limit=2", headers={"x-request-id": "slow-1"})

    (slow,) = [entry for entry in logs if entry["event"] == "slow_request"]
    assert response.status_code == 200
    assert (slow["route"], slow["status"], slow["method"], slow["log_level"]) == (
        "/search",
        200,
        "GET",
        "warning",
    )


async def test_an_event_stream_is_never_logged_as_slow() -> None:
    async with AsyncTestClient(build(slow_request_ms=0)) as slow_client:
        with capture_logs() as logs:
            response = await slow_client.get("/events")

    assert response.headers["content-type"].startswith("text/event-stream")
    assert "one" in response.text
    assert [entry for entry in logs if entry["event"] == "slow_request"] == []


async def test_fast_request_is_not_logged_as_slow() -> None:
    async with AsyncTestClient(build(slow_request_ms=60_000)) as fast_client:
        with capture_logs() as logs:
            await fast_client.get("/search?limit=2")

    assert [entry for entry in logs if entry["event"] == "slow_request"] == []


async def test_liveness_ignores_dependencies() -> None:
    async def never_ready() -> None:
        raise ConnectionError("down")

    async with AsyncTestClient(build([ReadinessCheck("database", never_ready)])) as sick_client:
        response = await sick_client.get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "live"}


async def test_readiness_is_200_when_every_check_passes(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    try:
        async with serve(build([redis_check(redis)])) as ready_client:
            response = await ready_client.get("/health/ready")
    finally:
        await redis.aclose()

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"redis": "up"}}


async def test_readiness_is_503_naming_failed_and_timed_out_checks() -> None:
    async def hangs() -> None:
        await asyncio.sleep(30)

    async def ok() -> None:
        return None

    unreachable = Redis(host="127.0.0.1", port=1, socket_connect_timeout=1)
    checks = [ReadinessCheck("database", ok), ReadinessCheck("kafka", hangs), redis_check(unreachable)]
    try:
        async with serve(build(checks, readiness_timeout_s=0.3)) as sick_client:
            response = await sick_client.get("/health/ready")
    finally:
        await unreachable.aclose()

    body = assert_problem(response, 503)
    assert body["detail"] == "Unavailable: kafka, redis"
    assert body["checks"] == {"database": "up", "kafka": "down", "redis": "down"}


async def test_metrics_expose_the_request_histogram(client: AsyncTestClient[Litestar]) -> None:
    await client.get("/search?limit=5")
    await client.get("/no-such-route")

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "# TYPE http_server_request_duration_seconds histogram" in text
    assert 'method="GET",route="/search",service="testsvc",status="200"' in text
    assert 'route="<unmatched>",service="testsvc",status="404"' in text


async def test_app_can_be_built_twice_in_one_process() -> None:
    first, second = build(), build()

    async with AsyncTestClient(second) as second_client:
        assert (await second_client.get("/health/live")).status_code == 200
    assert first is not second


async def test_openapi_schema_names_the_service(client: AsyncTestClient[Litestar]) -> None:
    ui = await client.get("/schema")
    document = (await client.get("/schema/openapi.json")).json()

    assert ui.status_code == 200
    assert document["info"] == {"title": "testsvc", "version": "9.9.9"}
    assert "/users" in document["paths"]
    assert "/health/ready" in document["paths"]
    assert document["servers"] == [{"url": "/", "description": "through the gateway"}]


async def test_openapi_servers_are_the_gateway_prefix_of_the_service() -> None:
    for service, prefix in GATEWAY_PREFIXES.items():
        app = create_app(
            service=service, version="1", settings=HttpSettings(), route_handlers=[], readiness_checks=[]
        )
        async with AsyncTestClient(app) as client:
            document = (await client.get("/schema/openapi.json")).json()
        assert document["servers"] == [{"url": prefix, "description": "through the gateway"}]


async def test_log_lines_of_a_request_carry_request_and_trace_ids(client: AsyncTestClient[Litestar]) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("INFO", service="testsvc", stream=stream)
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    try:
        await client.get(
            "/noisy",
            headers={"x-request-id": "req-77", "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"},
        )
    finally:
        structlog.reset_defaults()
        root.handlers[:] = handlers
        root.setLevel(level)

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    (handled,) = [line for line in lines if line["event"] == "handled"]
    assert handled["request_id"] == "req-77"
    assert handled["service"] == "testsvc"
    assert handled["path"] == "/noisy"
    assert handled["authorization"] == "[REDACTED]"
    # No tracer provider is configured here, yet the caller's trace id still reaches the log.
    assert handled["trace_id"] == trace_id
