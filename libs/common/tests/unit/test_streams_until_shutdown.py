"""Event streams end when the process begins to shut down, and close their source (no I/O)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from litestar import Litestar

from switchyard.common.http.health import draining
from switchyard.common.http.streams import until_shutdown


class Source:
    """An endless stream that yields when told to and records that it was closed."""

    def __init__(self) -> None:
        self.next = asyncio.Queue[int]()
        self.closed = asyncio.Event()

    async def items(self) -> AsyncIterator[int]:
        try:
            while True:
                yield await self.next.get()
        finally:
            self.closed.set()


def _begin_shutdown(app: Litestar) -> None:
    flag = draining(app)
    flag.begin()  # what the signal handler does
    flag.announce()  # what the server's next tick does


async def test_items_pass_through_until_the_shutdown_begins_then_the_stream_ends_and_closes_its_source():
    app, source = Litestar(), Source()
    received: list[int] = []
    three_received = asyncio.Event()

    async def consume() -> None:
        async for item in until_shutdown(app, source.items()):
            received.append(item)
            if len(received) == 3:
                three_received.set()

    consumer = asyncio.create_task(consume())
    for item in (1, 2, 3):
        await source.next.put(item)
    await asyncio.wait_for(three_received.wait(), timeout=5)

    _begin_shutdown(app)
    await asyncio.wait_for(consumer, timeout=5)

    assert received == [1, 2, 3]
    assert source.closed.is_set()


async def test_a_stream_opened_while_shutting_down_ends_at_once():
    app, source = Litestar(), Source()
    _begin_shutdown(app)
    await source.next.put(1)

    received = [item async for item in until_shutdown(app, source.items())]

    assert received == []
    assert source.next.qsize() == 1  # the source was never even asked


async def test_a_finite_source_ends_the_stream_on_its_own():
    app = Litestar()

    async def three() -> AsyncIterator[int]:
        for item in (1, 2, 3):
            yield item

    assert [item async for item in until_shutdown(app, three())] == [1, 2, 3]


async def test_the_sources_error_reaches_the_caller():
    app = Litestar()

    async def failing() -> AsyncIterator[int]:
        yield 1
        raise RuntimeError("redis went away")

    received: list[int] = []

    async def consume() -> None:
        async for item in until_shutdown(app, failing()):
            received.append(item)

    with pytest.raises(RuntimeError, match="redis went away"):
        await consume()
    assert received == [1]


async def test_a_client_leaving_mid_stream_closes_the_source_even_when_it_is_paused_at_a_yield():
    app = Litestar()
    closed = asyncio.Event()

    async def endless() -> AsyncIterator[int]:
        try:
            n = 0
            while True:
                n += 1
                yield n  # never waits: the source is always paused here, an item ahead
        finally:
            closed.set()

    stream = until_shutdown(app, endless())
    assert await anext(stream) == 1
    await stream.aclose()  # the client went away

    assert closed.is_set()
