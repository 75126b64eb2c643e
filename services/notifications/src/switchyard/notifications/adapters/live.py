"""New inbox items fanned out to every replica through Redis pub/sub, for the SSE stream.

Each replica holds one pub/sub connection, whatever the number of open streams: a connection per
stream would take one from the shared pool each, and a few dozen streams would starve every
other Redis command (token checks included). A listener whose stream fails or falls behind is
ended rather than left with a gap; its client resumes from the database (``Last-Event-ID``).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, Self
from uuid import UUID

import msgspec
import structlog
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from switchyard.notifications.domain.model import InboxItem

CHANNEL_PREFIX = "switchyard:notifications:inbox:"
# Items a listener may have pending before it counts as fallen behind.
LISTENER_BACKLOG = 256
SUBSCRIBE_TIMEOUT_S = 5.0

_log = structlog.get_logger(__name__)


def channel(user_id: UUID) -> str:
    return f"{CHANNEL_PREFIX}{user_id}"


def _forget(tasks: set[asyncio.Task[Any]]) -> Callable[[asyncio.Task[Any]], None]:
    def done(task: asyncio.Task[Any]) -> None:
        tasks.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: whoever awaited it got it, or had left

    return done


class Subscription:
    """One listener's new items, in the order Redis delivered them; ends when the feed ends it."""

    def __init__(self, size: int = LISTENER_BACKLOG) -> None:
        self._queue: asyncio.Queue[InboxItem | None] = asyncio.Queue(size + 1)
        self._size = size
        self.ended = False

    def offer(self, item: InboxItem) -> None:
        if self.ended:
            return
        if self._queue.qsize() >= self._size:
            _log.warning("inbox_listener_behind", pending=self._size)
            self.end()
            return
        self._queue.put_nowait(item)

    def end(self) -> None:
        """No more items: what is pending is dropped too, as the client gets it again on resuming."""
        if self.ended:
            return
        self.ended = True
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(None)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> InboxItem:
        # A plain coroutine, not a generator: a caller may cancel the wait (a heartbeat is due) safely.
        item = await self._queue.get()
        if item is None:
            self._queue.put_nowait(None)
            raise StopAsyncIteration
        return item


class InboxFeed:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._lock = asyncio.Lock()
        self._listeners: dict[str, set[Subscription]] = {}
        # Per channel, one future per SUBSCRIBE sent, resolved by Redis's confirmations in order.
        self._pending: dict[str, deque[asyncio.Future[None]]] = {}
        self._ready: dict[str, asyncio.Future[None]] = {}
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._operations: set[asyncio.Task[Any]] = set()

    async def publish(self, item: InboxItem) -> None:
        await self.redis.publish(channel(item.user_id), msgspec.json.encode(item))

    @asynccontextmanager
    async def subscribe(self, user_id: UUID) -> AsyncIterator[Subscription]:
        """The user's items published from now on; Redis has confirmed the subscription on entry."""
        subscription, name = Subscription(), channel(user_id)
        try:
            ready = await self._shielded(self._join(name, subscription))
            try:
                async with asyncio.timeout(SUBSCRIBE_TIMEOUT_S):
                    await asyncio.shield(ready)
            except TimeoutError as exc:
                raise RedisTimeoutError("Redis did not confirm the inbox subscription") from exc
            yield subscription
        finally:
            subscription.end()
            await self._shielded(self._leave(name, subscription))

    async def aclose(self) -> None:
        """End every listener and drop the connection (at shutdown)."""
        async with self._lock:
            reader = self._reader
            await self._reset(RedisConnectionError("the inbox feed was closed"))
        if reader is not None:
            await asyncio.gather(reader, return_exceptions=True)

    async def _shielded[T](self, operation: Coroutine[Any, Any, T]) -> T:
        """Run a join or leave to its end even if the stream's task is cancelled (the client left):
        half done, it would leave a listener behind or a SUBSCRIBE never confirmed."""
        task = asyncio.create_task(operation)
        self._operations.add(task)
        task.add_done_callback(_forget(self._operations))
        return await asyncio.shield(task)

    async def _join(self, name: str, subscription: Subscription) -> asyncio.Future[None]:
        async with self._lock:
            listeners = self._listeners.setdefault(name, set())
            listeners.add(subscription)
            if name not in self._ready:
                ready = asyncio.get_running_loop().create_future()
                self._pending.setdefault(name, deque()).append(ready)
                self._ready[name] = ready
                try:
                    pubsub = await self._connection()
                    await pubsub.subscribe(name)
                except Exception as exc:
                    await self._reset(exc)
                    raise
                self._start_reader(pubsub)
            return self._ready[name]

    async def _leave(self, name: str, subscription: Subscription) -> None:
        async with self._lock:
            listeners = self._listeners.get(name)
            if listeners is None or subscription not in listeners:
                return
            listeners.discard(subscription)
            if listeners:
                return
            del self._listeners[name]
            self._ready.pop(name, None)
            if self._pubsub is not None:
                try:
                    await self._pubsub.unsubscribe(name)
                except Exception as exc:
                    await self._reset(exc)

    async def _connection(self) -> PubSub:
        if self._pubsub is None:
            self._pubsub = self.redis.pubsub()
        return self._pubsub

    def _start_reader(self, pubsub: PubSub) -> None:
        if self._reader is None or self._reader.done():
            # A context of its own: it outlives the request that starts it (its ids, its trace).
            self._reader = asyncio.create_task(
                self._read(pubsub), name="notifications-inbox-feed", context=contextvars.Context()
            )

    async def _read(self, pubsub: PubSub) -> None:
        try:
            while True:
                message = await pubsub.get_message(timeout=None)
                if message is not None:
                    self._dispatch(message)
        except Exception as exc:
            _log.warning("inbox_feed_lost", error=repr(exc))
            async with self._lock:
                if self._pubsub is pubsub:
                    self._reader = None
                    await self._reset(exc)

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind, raw = message["type"], message["channel"]
        name = raw.decode() if isinstance(raw, bytes) else str(raw)
        if kind == "subscribe":
            pending = self._pending.get(name)
            if pending:
                confirmed = pending.popleft()
                if not confirmed.done():
                    confirmed.set_result(None)
                if not pending:
                    del self._pending[name]
        elif kind == "message":
            try:
                item = msgspec.json.decode(message["data"], type=InboxItem)
            except msgspec.DecodeError as exc:
                _log.warning("inbox_feed_bad_message", channel=name, error=str(exc))
                return
            for subscription in tuple(self._listeners.get(name, ())):
                subscription.offer(item)

    async def _reset(self, error: BaseException) -> None:
        """Forget the connection: listeners end, subscriptions waiting for Redis fail with ``error``."""
        for listeners in self._listeners.values():
            for subscription in listeners:
                subscription.end()
        for pending in self._pending.values():
            for future in pending:
                if not future.done():
                    future.set_exception(RedisConnectionError(f"inbox feed unavailable: {error!r}"))
                    future.exception()  # retrieved here; an awaiting subscriber still gets it
        self._listeners, self._pending, self._ready = {}, {}, {}
        pubsub, reader, self._pubsub, self._reader = self._pubsub, self._reader, None, None
        if reader is not None and reader is not asyncio.current_task():
            reader.cancel()
        if pubsub is not None:
            await pubsub.aclose()  # type: ignore[no-untyped-call]
