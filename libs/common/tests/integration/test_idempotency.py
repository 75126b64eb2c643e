"""Idempotency-Key handling against real Redis: replay, mismatch, in-progress, scoping, failures."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import msgspec
import pytest
from litestar import Litestar, Response, post
from litestar.params import JSONBody
from redis.asyncio import Redis

from switchyard.common.http import PROBLEM_JSON, HttpSettings, IdempotencyStore, create_app

pytestmark = pytest.mark.integration


def asgi_transport(app: Litestar) -> httpx.ASGITransport:
    """Serve ``app`` in the caller's event loop (Litestar types ASGI more narrowly than httpx)."""
    return httpx.ASGITransport(app)  # type: ignore[arg-type]


class Order(msgspec.Struct):
    item: str


class Handlers:
    """Route handlers with observable side effects, one instance per test."""

    def __init__(self) -> None:
        self.counter = itertools.count(1)
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.failures_left = 1

        @post("/orders")
        async def create_order(data: JSONBody[Order]) -> Response[dict[str, object]]:
            number = next(self.counter)
            return Response({"order": number, "item": data.item}, headers={"location": f"/orders/{number}"})

        @post("/other")
        async def other(data: JSONBody[Order]) -> dict[str, object]:
            return {"other": next(self.counter)}

        @post("/slow")
        async def slow(data: JSONBody[Order]) -> dict[str, object]:
            self.started.set()
            await self.release.wait()
            return {"slow": next(self.counter)}

        @post("/flaky")
        async def flaky(data: JSONBody[Order]) -> dict[str, object]:
            if self.failures_left:
                self.failures_left -= 1
                raise RuntimeError("transient")
            return {"flaky": next(self.counter)}

        @post("/opted-out", opt={"idempotency": False})
        async def opted_out(data: JSONBody[Order]) -> dict[str, object]:
            return {"n": next(self.counter)}

        self.route_handlers = [create_order, other, slow, flaky, opted_out]


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def prefix() -> str:
    return f"test:idempotency:{uuid.uuid4().hex}"


@pytest.fixture
async def cleanup(redis: Redis, prefix: str) -> AsyncIterator[None]:
    yield
    keys = [key async for key in redis.scan_iter(match=f"{prefix}:*")]
    if keys:
        await redis.delete(*keys)


@asynccontextmanager
async def serve(handlers: Handlers, store: IdempotencyStore) -> AsyncIterator[httpx.AsyncClient]:
    # In this loop (not AsyncTestClient's portal thread): it shares the Redis client and allows concurrency.
    # No lifespan: these apps have no startup hooks, and its task group cannot span fixture setup/teardown.
    app: Litestar = create_app(
        service="orders", settings=HttpSettings(), route_handlers=handlers.route_handlers, idempotency=store
    )
    transport = asgi_transport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


@pytest.fixture
async def client(
    redis: Redis, prefix: str, cleanup: None
) -> AsyncIterator[tuple[httpx.AsyncClient, Handlers]]:
    handlers = Handlers()
    async with serve(handlers, IdempotencyStore(redis, service="orders", key_prefix=prefix)) as http:
        yield http, handlers


def key_header() -> dict[str, str]:
    return {"idempotency-key": str(uuid.uuid4())}


async def test_replay_returns_the_first_response(client: tuple[httpx.AsyncClient, Handlers]) -> None:
    http, _ = client
    headers = key_header()

    first = await http.post("/orders", json={"item": "book"}, headers=headers)
    replay = await http.post("/orders", json={"item": "book"}, headers=headers)

    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json() == {"order": 1, "item": "book"}
    assert replay.headers["content-type"] == first.headers["content-type"]
    assert replay.headers["location"] == "/orders/1"
    assert replay.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers


async def test_stored_outcome_lives_24_hours(
    client: tuple[httpx.AsyncClient, Handlers], redis: Redis, prefix: str
) -> None:
    http, _ = client
    await http.post("/orders", json={"item": "book"}, headers=key_header())

    (key,) = [key async for key in redis.scan_iter(match=f"{prefix}:orders:*")]

    assert 24 * 3600 - 60 < await redis.ttl(key) <= 24 * 3600


async def test_same_key_with_different_body_is_422(client: tuple[httpx.AsyncClient, Handlers]) -> None:
    http, handlers = client
    headers = key_header()
    await http.post("/orders", json={"item": "book"}, headers=headers)

    response = await http.post("/orders", json={"item": "lamp"}, headers=headers)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "different request" in response.json()["detail"]
    assert next(handlers.counter) == 2, "the handler ran once"


async def test_same_key_while_in_progress_is_409(client: tuple[httpx.AsyncClient, Handlers]) -> None:
    http, handlers = client
    headers = key_header()
    first = asyncio.create_task(http.post("/slow", json={"item": "x"}, headers=headers))
    await asyncio.wait_for(handlers.started.wait(), timeout=10)

    concurrent = await http.post("/slow", json={"item": "x"}, headers=headers)
    handlers.release.set()
    completed = await first
    replay = await http.post("/slow", json={"item": "x"}, headers=headers)

    assert concurrent.status_code == 409
    assert concurrent.headers["content-type"] == PROBLEM_JSON
    assert completed.status_code == 201
    assert replay.json() == completed.json() == {"slow": 1}


async def test_keys_are_scoped_per_route(client: tuple[httpx.AsyncClient, Handlers]) -> None:
    http, _ = client
    headers = key_header()

    orders = await http.post("/orders", json={"item": "x"}, headers=headers)
    other = await http.post("/other", json={"item": "x"}, headers=headers)

    assert orders.json() == {"order": 1, "item": "x"}
    assert other.json() == {"other": 2}


async def test_without_key_every_request_runs(client: tuple[httpx.AsyncClient, Handlers]) -> None:
    http, _ = client

    first = await http.post("/orders", json={"item": "x"})
    second = await http.post("/orders", json={"item": "x"})

    assert [first.json()["order"], second.json()["order"]] == [1, 2]


async def test_opted_out_route_ignores_the_key(client: tuple[httpx.AsyncClient, Handlers]) -> None:
    http, _ = client
    headers = key_header()

    first = await http.post("/opted-out", json={"item": "x"}, headers=headers)
    second = await http.post("/opted-out", json={"item": "x"}, headers=headers)

    assert [first.json(), second.json()] == [{"n": 1}, {"n": 2}]


async def test_server_error_is_not_stored_so_a_retry_runs(client: tuple[httpx.AsyncClient, Handlers]) -> None:
    http, _ = client
    headers = key_header()

    failed = await http.post("/flaky", json={"item": "x"}, headers=headers)
    retried = await http.post("/flaky", json={"item": "x"}, headers=headers)

    assert failed.status_code == 500
    assert retried.status_code == 201
    assert retried.json() == {"flaky": 1}


async def test_client_error_is_stored_and_replayed(client: tuple[httpx.AsyncClient, Handlers]) -> None:
    http, _ = client
    headers = key_header()

    first = await http.post("/orders", json={"nope": 1}, headers=headers)
    replay = await http.post("/orders", json={"nope": 1}, headers=headers)

    assert first.status_code == replay.status_code == 422
    assert replay.headers["content-type"] == PROBLEM_JSON
    assert replay.json() == first.json()


async def test_invalid_key_is_a_400_problem(client: tuple[httpx.AsyncClient, Handlers]) -> None:
    http, _ = client

    response = await http.post("/orders", json={"item": "x"}, headers={"idempotency-key": "x" * 300})

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_other_services_do_not_share_keys(redis: Redis, prefix: str, cleanup: None) -> None:
    headers = key_header()
    first_handlers, second_handlers = Handlers(), Handlers()

    async with serve(first_handlers, IdempotencyStore(redis, service="orders", key_prefix=prefix)) as http:
        await http.post("/orders", json={"item": "x"}, headers=headers)
    async with serve(second_handlers, IdempotencyStore(redis, service="billing", key_prefix=prefix)) as http:
        response = await http.post("/orders", json={"item": "x"}, headers=headers)

    assert "idempotent-replayed" not in response.headers
    assert response.json() == {"order": 1, "item": "x"}
