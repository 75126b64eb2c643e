"""``GET /stream``: the caller's new notifications as Server-Sent Events, resumable with Last-Event-ID."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated, Any

import msgspec
import structlog
from litestar import Controller, Request, get
from litestar.params import HeaderParameter
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from switchyard.common.http import CurrentPrincipal
from switchyard.common.http.streams import until_shutdown
from switchyard.notifications.domain.model import InboxItem
from switchyard.notifications.entrypoints.http.dependencies import Caller, Feed, Stream, Uow
from switchyard.notifications.entrypoints.http.schemas import InboxItemRead
from switchyard.notifications.service_layer.inbox import Signal, follow_inbox

EVENT = "notification"

_log = structlog.get_logger(__name__)


async def _messages(
    first: InboxItem | Signal, events: AsyncGenerator[InboxItem | Signal], newest: int | None
) -> AsyncIterator[ServerSentEventMessage]:
    """Items as ``notification`` events, signals as comments.

    The event id is the highest seq sent so far, normally the item's own: an item committed late
    (after a higher seq) must not pull the client's resume point back, or it would be sent again.
    """
    try:
        yield ServerSentEventMessage(comment=str(first), data=None)
        async for event in events:
            if isinstance(event, Signal):
                yield ServerSentEventMessage(comment=str(event), data=None)
                continue
            seq = event.seq or 0
            newest = seq if newest is None else max(newest, seq)
            data = msgspec.json.encode(InboxItemRead.of(event)).decode()
            yield ServerSentEventMessage(data=data, event=EVENT, id=newest)
    except Exception as exc:
        # Headers are gone: end the stream; the client reconnects and resumes from its last id.
        _log.warning("inbox_stream_failed", error=repr(exc))
    finally:
        await events.aclose()


class StreamController(Controller):
    path = "/stream"
    tags = ["inbox"]

    @get(
        "/",
        summary="My new notifications as Server-Sent Events (event `notification`, id = seq)",
        description="Send Last-Event-ID to first receive what was missed; a comment line every few seconds "
        "keeps the connection open. The stream ends when the access token expires.",
    )
    async def stream(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        principal: CurrentPrincipal,
        uow: Uow,
        feed: Feed,
        stream_options: Stream,
        last_event_id: Annotated[int | None, HeaderParameter(name="Last-Event-ID", ge=0)] = None,
    ) -> ServerSentEvent:
        events = follow_inbox(
            uow,
            feed,
            user_id=caller,
            after_seq=last_event_id,
            heartbeat_s=stream_options.heartbeat_s,
            until=principal.expires_at,
        )
        # Subscribed before answering: Redis being down is a 503 here, not an empty 200 stream.
        first = await anext(events)
        # Ends when the process begins to shut down; the client resumes from a replica still serving.
        return ServerSentEvent(until_shutdown(request.app, _messages(first, events, last_event_id)))
