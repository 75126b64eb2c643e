"""Long-lived responses (Server-Sent Events) that end when the process begins to shut down.

uvicorn waits for every open connection before a process may stop; an event stream never ends on
its own, so it would hold the shutdown for its whole timeout and then be cut. Ended at the start of
the drain instead, its client reconnects (resuming with Last-Event-ID) to a replica still serving.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator

from litestar import Litestar

from switchyard.common.http.health import draining


async def until_shutdown[T](app: Litestar, source: AsyncIterator[T]) -> AsyncGenerator[T]:
    """``source``'s items until ``app``'s process begins to shut down, then the end of the stream.

    ``source`` runs in one task of its own (a stream may hold task-bound resources such as a
    subscription), one item ahead at most; at shutdown, or when the client leaves, that task is
    cancelled, so ``source`` unwinds (its ``finally`` blocks run) where it waited.
    """
    flag = draining(app)
    if flag.active:
        return
    handoff: asyncio.Queue[tuple[T] | BaseException | None] = asyncio.Queue(maxsize=1)

    async def pump() -> None:
        try:
            async for item in source:
                await handoff.put((item,))
        except Exception as exc:
            await handoff.put(exc)
        else:
            await handoff.put(None)
        finally:
            # Cancelled while handing an item over, the source is paused at a yield: close it now.
            close = getattr(source, "aclose", None)
            if close is not None:
                await close()

    pumping = asyncio.create_task(pump(), name="event-stream-source")
    shutdown = asyncio.ensure_future(flag.wait())
    try:
        while True:
            taken = asyncio.ensure_future(handoff.get())
            await asyncio.wait({taken, shutdown}, return_when=asyncio.FIRST_COMPLETED)
            if not taken.done():
                taken.cancel()
                return
            step = taken.result()
            if step is None:
                return
            if isinstance(step, BaseException):
                raise step
            yield step[0]
    finally:
        shutdown.cancel()
        pumping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pumping
