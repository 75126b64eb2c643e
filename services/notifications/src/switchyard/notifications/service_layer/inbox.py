"""The caller's inbox: pages of items, marking them read, and the live stream of new ones."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from switchyard.notifications.adapters.live import InboxFeed
from switchyard.notifications.domain.model import InboxItem
from switchyard.notifications.service_layer.unit_of_work import NotificationsUnitOfWork

# Items read from the database at a time when a resumed stream catches up.
BACKLOG_PAGE = 100


class InboxItemNotFound(Exception):
    """No such item in the caller's inbox (someone else's counts as none)."""


class Signal(StrEnum):
    """What a live stream says besides items."""

    SUBSCRIBED = "subscribed"
    HEARTBEAT = "heartbeat"


@dataclass(frozen=True, slots=True)
class InboxPage:
    items: list[InboxItem]
    # The seq the next page starts below; None on the last page.
    next_before: int | None


async def list_inbox(
    uow: NotificationsUnitOfWork, *, user_id: UUID, before_seq: int | None, unread_only: bool, limit: int
) -> InboxPage:
    async with uow:
        rows = await uow.inbox.page(user_id, before_seq=before_seq, unread_only=unread_only, limit=limit + 1)
    items = rows[:limit]
    more = len(rows) > limit
    return InboxPage(items=items, next_before=items[-1].seq if more else None)


async def mark_read(uow: NotificationsUnitOfWork, *, user_id: UUID, item_id: UUID) -> None:
    if not await uow.inbox.mark_read(user_id, item_id):
        raise InboxItemNotFound("No such notification in your inbox.")


async def mark_all_read(uow: NotificationsUnitOfWork, *, user_id: UUID) -> int:
    return await uow.inbox.mark_all_read(user_id)


async def follow_inbox(
    uow: NotificationsUnitOfWork,
    feed: InboxFeed,
    *,
    user_id: UUID,
    after_seq: int | None,
    heartbeat_s: float,
    until: float | None = None,
) -> AsyncGenerator[InboxItem | Signal]:
    """The user's new items as they are created, after those past ``after_seq`` when resuming.

    The feed is subscribed (and Redis has confirmed it) before the database is read, so an item
    committed in between comes through one or the other, or both: the repeat is dropped. The
    stream ends at ``until`` (Unix time: the token's expiry), or when the feed ends it.
    """
    async with feed.subscribe(user_id) as live:
        yield Signal.SUBSCRIBED
        replayed: set[int | None] = set()
        if after_seq is not None:
            async for item in _missed(uow, user_id, after_seq):
                replayed.add(item.seq)
                yield item
        while (wait := _next_wait(heartbeat_s, until)) > 0:
            try:
                async with asyncio.timeout(wait):
                    item = await anext(live)
            except TimeoutError:
                yield Signal.HEARTBEAT
                continue
            except StopAsyncIteration:
                return
            if item.seq not in replayed:
                yield item


async def _missed(uow: NotificationsUnitOfWork, user_id: UUID, after_seq: int) -> AsyncIterator[InboxItem]:
    while True:
        async with uow:
            page = await uow.inbox.after(user_id, after_seq, limit=BACKLOG_PAGE)
        for item in page:
            yield item
        if len(page) < BACKLOG_PAGE or page[-1].seq is None:
            return
        after_seq = page[-1].seq


def _next_wait(heartbeat_s: float, until: float | None) -> float:
    return heartbeat_s if until is None else min(heartbeat_s, until - time.time())
