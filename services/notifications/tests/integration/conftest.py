"""notifications in-process against real Postgres, Kafka and Redis, with bearer tokens from a stand-in JWKS.

The app is served twice from one object and one lifespan: over ASGI (``client``) for plain requests,
and by uvicorn on a loopback port (``base_url``) for the event stream, which httpx's ASGI transport
would buffer whole. Inbox items and deliveries are written straight into the database, and new
items are announced as the event consumers do it (``handlers.notify``: commit, then publish).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar
from redis.asyncio import Redis
from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchyard.common.db import DatabaseSettings
from switchyard.common.runtime import ServiceSettings
from switchyard.common.runtime.settings import JwtSettings
from switchyard.common.testing import (
    DatabaseFactory,
    JwksServer,
    isolated_topics,
    running_app,
    served_over_http,
    service_settings,
)
from switchyard.common.testing.problems import assert_problem
from switchyard.common.testing.services import free_port
from switchyard.notifications.adapters.inbox import inbox_item
from switchyard.notifications.adapters.live import InboxFeed
from switchyard.notifications.adapters.orm import deliveries, inbox_items
from switchyard.notifications.bootstrap import bootstrap
from switchyard.notifications.domain.commands import Notify
from switchyard.notifications.domain.messages import EmailPlan, InboxPlan
from switchyard.notifications.domain.model import Category, Delivery, DeliveryStatus, InboxItem
from switchyard.notifications.service_layer import handlers
from switchyard.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from switchyard.notifications.settings import NotificationsSettings, SendingSettings, SmtpSettings

type Sessions = async_sessionmaker[AsyncSession]

# Short, so a test sees one quickly; the production default is 15 s.
HEARTBEAT_S = 0.3
# What the password-changed template is rendered with; the link stands for a one-time token.
PASSWORD_CHANGED = {
    "changed_at": "2030-01-01T12:00:00+00:00",
    "reason": "changed",
    "reset_link": "https://app.switchyard.test/reset-password?token=secret-one-time-token",
    "recipient_name": None,
}


def build_app(
    settings: ServiceSettings, notifications: NotificationsSettings, *, heartbeat_s: float
) -> tuple[Litestar, InboxFeed]:
    """The service's own app (bootstrap), with a short stream heartbeat, and its live feed."""
    notifications = msgspec.structs.replace(
        notifications, sending=msgspec.structs.replace(notifications.sending, stream_heartbeat_s=heartbeat_s)
    )
    app = bootstrap(settings, notifications=notifications)
    return app, app.state.inbox_feed


def quiet_notifications() -> NotificationsSettings:
    """A mail server nobody listens on, retried only after a minute: queued emails stay queued."""
    return NotificationsSettings(
        smtp=SmtpSettings(host="127.0.0.1", port=free_port(), timeout_s=1.0),
        sending=SendingSettings(retry_base_s=60.0, retry_max_s=600.0),
    )


@dataclass
class Frame:
    """One block of an event stream: an event (``event``, ``id``, ``data``) or comment lines only."""

    event: str | None = None
    id: str | None = None
    data: str | None = None
    comments: list[str] = field(default_factory=list)

    @property
    def is_comment(self) -> bool:
        return self.data is None and self.event is None

    def json(self) -> Any:
        assert self.data is not None, self
        return msgspec.json.decode(self.data)


class EventStream:
    """Parses a ``text/event-stream`` response in the background; frames (then None at the end) queue up."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.frames: asyncio.Queue[Frame | None] = asyncio.Queue()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        frame = Frame()
        try:
            async for line in self.response.aiter_lines():
                if line == "":
                    if frame.comments or frame.data is not None or frame.event is not None:
                        self.frames.put_nowait(frame)
                    frame = Frame()
                elif line.startswith(":"):
                    frame.comments.append(line[1:].strip())
                else:
                    name, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    if name == "data":
                        frame.data = value if frame.data is None else f"{frame.data}\n{value}"
                    elif name in ("event", "id"):
                        setattr(frame, name, value)
        except httpx.HTTPError:
            pass
        finally:
            self.frames.put_nowait(None)

    async def next(self, within: float = 5.0) -> Frame | None:
        """The next frame, None once the stream ended; TimeoutError if none comes ``within`` seconds."""
        async with asyncio.timeout(within):
            return await self.frames.get()

    async def next_event(self, within: float = 5.0) -> Frame:
        """The next event, skipping comments (heartbeats)."""
        async with asyncio.timeout(within):
            while True:
                frame = await self.frames.get()
                assert frame is not None, "the stream ended"
                if not frame.is_comment:
                    return frame

    async def events_until_quiet(self, quiet_heartbeats: int = 3) -> list[Frame]:
        """Every event until ``quiet_heartbeats`` heartbeats in a row came with no event between them."""
        seen: list[Frame] = []
        quiet = 0
        while quiet < quiet_heartbeats:
            frame = await self.next()
            assert frame is not None, "the stream ended"
            if frame.is_comment:
                quiet += 1
            else:
                seen.append(frame)
                quiet = 0
        return seen

    async def ended(self, within: float) -> bool:
        """Whether the server ends the stream within ``within`` seconds (skipping what comes before)."""
        try:
            async with asyncio.timeout(within):
                while (await self.frames.get()) is not None:
                    pass
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


@dataclass
class NotificationsApi:
    """The running service and what a test needs around it."""

    client: httpx.AsyncClient
    base_url: str
    settings: ServiceSettings
    db: Sessions
    redis: Redis
    # Publishes as another replica's consumer would: its own Redis connection.
    feed: InboxFeed
    jwks: JwksServer
    # The app's own feed, whose pub/sub connection serves every stream of the app.
    app_feed: InboxFeed

    def bearer(
        self, user_id: uuid.UUID, *, roles: Iterable[str] = ("user",), **claims: Any
    ) -> dict[str, str]:
        return self.jwks.bearer(user_id, roles=roles, **claims)

    def user(self, *, roles: Iterable[str] = ("user",)) -> tuple[uuid.UUID, dict[str, str]]:
        """A new user id and a bearer header for it."""
        user_id = uuid.uuid4()
        return user_id, self.bearer(user_id, roles=roles)

    problem = staticmethod(assert_problem)

    def uow(self) -> NotificationsUnitOfWork:
        return NotificationsUnitOfWork(self.db)

    async def add_items(
        self, user_id: uuid.UUID, count: int, *, category: Category = Category.IMPORTS, read: bool = False
    ) -> list[InboxItem]:
        """``count`` inbox items of ``user_id`` stored without announcing them, oldest first."""
        stored: list[InboxItem] = []
        async with self.uow() as uow:
            for number in range(count):
                item = InboxItem(
                    user_id=user_id,
                    category=category,
                    title=f"Item {number}",
                    body=f"Body {number}",
                    source_event_id=uuid.uuid4(),
                    read_at=datetime.now(UTC) if read else None,
                )
                added = await uow.inbox.add(item)
                assert added is not None
                stored.append(added)
            await uow.commit()
        return stored

    async def notify(
        self, user_id: uuid.UUID, title: str = "Something happened", *, email: EmailPlan | None = None
    ) -> InboxItem:
        """A new inbox item as a consumer creates it: stored, committed, then published on the feed."""
        source_event_id = uuid.uuid4()
        command = Notify(
            source_event_id=source_event_id,
            user_id=user_id,
            email=email,
            inbox=InboxPlan(
                category=Category.SECURITY, title=title, body=f"{title}.", link="https://x.test/a"
            ),
        )
        async with self.uow() as uow:
            await handlers.notify(command, uow, self.feed)
            await uow.commit()
        async with self.db() as session:
            query = select(inbox_items).where(inbox_items.c.source_event_id == source_event_id)
            row = (await session.execute(query)).mappings().one()
        return inbox_item(row)

    async def item_row(self, item_id: uuid.UUID) -> RowMapping:
        async with self.db() as session:
            query = select(inbox_items).where(inbox_items.c.id == item_id)
            return (await session.execute(query)).mappings().one()

    async def add_delivery(
        self,
        status: DeliveryStatus,
        *,
        created_at: datetime | None = None,
        attempts: int = 1,
        last_error: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Delivery:
        """A delivery log entry written straight into the database (never due: the sender leaves it)."""
        delivery = Delivery(
            recipient=f"u{uuid.uuid4().hex[:12]}@example.com",
            template="password-changed",
            source_event_id=uuid.uuid4(),
            user_id=uuid.uuid4(),
            status=status,
            attempts=attempts,
            last_error=last_error,
            created_at=created_at or datetime.now(UTC),
            category=Category.SECURITY,
            context=dict(context or PASSWORD_CHANGED),
            next_attempt_at=datetime.now(UTC) + timedelta(days=1),
        )
        async with self.uow() as uow:
            assert await uow.deliveries.add(delivery)
            await uow.commit()
        return delivery

    async def delivery_row(self, delivery_id: uuid.UUID) -> RowMapping:
        async with self.db() as session:
            query = select(deliveries).where(deliveries.c.id == delivery_id)
            return (await session.execute(query)).mappings().one()

    @asynccontextmanager
    async def stream(
        self, headers: Mapping[str, str], *, last_event_id: int | str | None = None
    ) -> AsyncIterator[EventStream]:
        """An open ``GET /stream``, returned once the server said it is subscribed."""
        sent = dict(headers)
        if last_event_id is not None:
            sent["Last-Event-ID"] = str(last_event_id)
        timeout = httpx.Timeout(10.0, read=None)
        async with (
            httpx.AsyncClient(base_url=self.base_url, timeout=timeout) as client,
            client.stream("GET", "/stream", headers=sent) as response,
        ):
            assert response.status_code == 200, (await response.aread()).decode()
            assert response.headers["content-type"].startswith("text/event-stream")
            events = EventStream(response)
            try:
                first = await events.next()
                assert first is not None, "the stream ended at once"
                assert first.comments == ["subscribed"], first
                yield events
            finally:
                await events.close()

    async def drop_feed_connection(self) -> None:
        """Have Redis close the app's pub/sub connection (and nobody else's), as in a Redis restart."""
        connection = self.app_feed._pubsub.connection if self.app_feed._pubsub else None
        assert connection is not None, "the app holds no pub/sub connection"
        assert connection._writer is not None, "the app's pub/sub connection is closed"
        host, port = connection._writer.get_extra_info("sockname")[:2]
        killed = await self.redis.execute_command("CLIENT", "KILL", "ADDR", f"{host}:{port}")
        assert killed in (True, b"OK", 1), killed

    async def subscribers(self, user_id: uuid.UUID) -> int:
        """Redis connections subscribed to the user's inbox channel (one per replica with open streams)."""
        counts = await self.redis.pubsub_numsub(f"switchyard:notifications:inbox:{user_id}")
        return int(counts[0][1])


@asynccontextmanager
async def running_notifications(
    database_server_url: str,
    kafka_bootstrap: str,
    redis_url: str,
    jwks: JwksServer,
    notifications: NotificationsSettings | None = None,
) -> AsyncIterator[NotificationsApi]:
    """notifications on a fresh database and topic prefix (emailing nobody unless ``notifications`` says)."""
    databases = DatabaseFactory(database_server_url)
    try:
        async with isolated_topics(kafka_bootstrap) as kafka, AsyncExitStack() as stack:
            database_url = await databases.create()
            settings = msgspec.structs.replace(
                service_settings(database_url=database_url, kafka=kafka, redis_url=redis_url),
                database=DatabaseSettings(url=database_url, pool_size=10),
                jwt=JwtSettings(jwks_url=jwks.url),
            )
            app, app_feed = build_app(
                settings, notifications or quiet_notifications(), heartbeat_s=HEARTBEAT_S
            )
            client = await stack.enter_async_context(running_app(app))
            base_url = await stack.enter_async_context(
                served_over_http(app, name="notifications-test-server", graceful_timeout_s=2)
            )
            redis = Redis.from_url(redis_url)
            stack.push_async_callback(redis.aclose)
            yield NotificationsApi(
                client,
                base_url,
                settings,
                databases.sessions(database_url),
                redis,
                InboxFeed(redis),
                jwks,
                app_feed,
            )
    finally:
        await databases.close()


@pytest.fixture(scope="module")
async def api(
    database_server_url: str, kafka_bootstrap: str, redis_url: str, jwks_server: JwksServer
) -> AsyncIterator[NotificationsApi]:
    """notifications shared by a module's tests (each works on users and rows it creates)."""
    async with running_notifications(database_server_url, kafka_bootstrap, redis_url, jwks_server) as app:
        yield app


type StartApi = Callable[..., Awaitable[NotificationsApi]]


@pytest.fixture
async def start_api(
    database_server_url: str, kafka_bootstrap: str, redis_url: str, jwks_server: JwksServer
) -> AsyncIterator[StartApi]:
    """``await start_api(notifications=...)``: notifications on a database of the test's own."""
    async with AsyncExitStack() as stack:

        async def start(notifications: NotificationsSettings | None = None) -> NotificationsApi:
            started = running_notifications(
                database_server_url, kafka_bootstrap, redis_url, jwks_server, notifications
            )
            return await stack.enter_async_context(started)

        yield start
