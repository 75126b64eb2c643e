"""Spans for HTTP requests, Redis commands and SQL statements, recorded by an in-memory exporter."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar, get
from litestar.params import FromPath
from litestar.testing import AsyncTestClient
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from switchyard.common.http import HttpSettings, create_app
from switchyard.common.observability import instrument_redis, instrument_sqlalchemy

pytestmark = pytest.mark.integration


def asgi_transport(app: Litestar) -> httpx.ASGITransport:
    """Serve ``app`` in the caller's event loop (Litestar types ASGI more narrowly than httpx)."""
    return httpx.ASGITransport(app)  # type: ignore[arg-type]


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> TracerProvider:
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    return tracer_provider


@get("/items/{item_id:str}")
async def item(item_id: FromPath[str]) -> dict[str, str]:
    return {"id": item_id}


async def test_http_request_produces_a_server_span_named_by_route(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    app = create_app(service="t", settings=HttpSettings(), route_handlers=[item], tracer_provider=provider)

    async with AsyncTestClient(app) as client:
        response = await client.get("/items/42")

    (span,) = [s for s in exporter.get_finished_spans() if s.kind == SpanKind.SERVER]
    assert response.status_code == 200
    assert span.name == "GET /items/{item_id}"
    assert span.attributes is not None
    assert span.attributes["http.route"] == "/items/{item_id}"


async def test_incoming_trace_context_is_continued(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    app = create_app(service="t", settings=HttpSettings(), route_handlers=[item], tracer_provider=provider)
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"

    async with AsyncTestClient(app) as client:
        await client.get("/items/1", headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})

    (span,) = [s for s in exporter.get_finished_spans() if s.kind == SpanKind.SERVER]
    assert format(span.context.trace_id, "032x") == trace_id
    assert span.parent is not None
    assert format(span.parent.span_id, "016x") == "00f067aa0ba902b7"


async def test_probes_and_scrapes_are_not_traced(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    app = create_app(service="t", settings=HttpSettings(), route_handlers=[item], tracer_provider=provider)

    async with AsyncTestClient(app) as client:
        for path in ("/health/live", "/health/ready", "/metrics"):
            assert (await client.get(path)).status_code == 200

    assert exporter.get_finished_spans() == ()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_redis_commands_become_spans_inside_the_request_span(
    provider: TracerProvider, exporter: InMemorySpanExporter, redis: Redis
) -> None:
    instrument_redis(redis, tracer_provider=provider)

    @get("/ping")
    async def ping() -> dict[str, bool]:
        return {"pong": bool(await redis.ping())}

    app = create_app(service="t", settings=HttpSettings(), route_handlers=[ping], tracer_provider=provider)
    # Same event loop as the Redis client, hence httpx's ASGI transport rather than AsyncTestClient.
    async with httpx.AsyncClient(transport=asgi_transport(app), base_url="http://t") as client:
        assert (await client.get("/ping")).json() == {"pong": True}

    spans = exporter.get_finished_spans()
    (server,) = [s for s in spans if s.kind == SpanKind.SERVER]
    (command,) = [s for s in spans if s.name == "PING"]
    assert command.context.trace_id == server.context.trace_id
    assert command.parent is not None
    assert command.parent.span_id == server.context.span_id


async def test_sql_statements_become_spans(
    provider: TracerProvider, exporter: InMemorySpanExporter, database_server_url: str
) -> None:
    engine = create_async_engine(database_server_url)
    instrument_sqlalchemy(engine, tracer_provider=provider)
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT 41 + 1"))).scalar_one() == 42
    finally:
        await engine.dispose()

    statements = [s for s in exporter.get_finished_spans() if s.kind == SpanKind.CLIENT]
    assert any(
        s.attributes and "SELECT 41 + 1" in str(s.attributes.get("db.statement")) for s in statements
    ), [(s.name, s.attributes) for s in statements]
