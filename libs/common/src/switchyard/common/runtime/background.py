"""A task that runs beside the API for the app's lifetime (a sender, an importer), stopped with it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from litestar import Litestar


def background_task(
    name: str,
    run: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
    *,
    after: Sequence[Callable[[], Awaitable[None]]] = (),
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """A lifespan hook: ``run(stop)`` as a task while the app serves.

    On shutdown ``stop`` is set and the task awaited (it finishes what it is doing), then the
    ``after`` callables (closing what the task used) run in order.
    """

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(run(stop), name=name)
        try:
            yield
        finally:
            stop.set()
            await task
            for close in after:
                await close()

    return lifespan
