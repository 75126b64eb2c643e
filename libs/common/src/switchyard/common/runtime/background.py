"""A task that runs beside the API for the app's lifetime (a sender, an importer), stopped with it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import structlog
from litestar import Litestar

log = structlog.get_logger()

# The default of SHUTDOWN_WORK_TIMEOUT_S; composition roots pass that setting as ``stop_within``.
STOP_WITHIN_S = 5.0


def background_task(
    name: str,
    run: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
    *,
    after: Sequence[Callable[[], Awaitable[None]]] = (),
    stop_within: float = STOP_WITHIN_S,
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """A lifespan hook: ``run(stop)`` as a task while the app serves.

    On shutdown ``stop`` is set and the task awaited (it finishes what it is doing; after
    ``stop_within`` seconds it is cancelled), then the ``after`` callables (closing what the task
    used) run in order. Listed after the runtime's own lifespan, it stops before the consumers.
    """

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(run(stop), name=name)
        try:
            yield
        finally:
            stop.set()
            try:
                await _finish(task, stop_within)
            except Exception:
                # It failed earlier, unseen until now: say so, and still close what it used.
                log.exception("background task had failed", task=name)
            finally:
                for close in after:
                    await close()
            log.info("shutdown: background task stopped", task=name)

    return lifespan


async def _finish(task: asyncio.Task[None], within: float) -> None:
    """Await ``task``; cancel it if it is still running after ``within`` seconds."""
    done, _ = await asyncio.wait({task}, timeout=within)
    if not done:
        log.warning("background task still busy at shutdown; cancelled", task=task.get_name(), within=within)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return
    await task
