"""New inbox items fanned out to every replica through Redis pub/sub, for the SSE stream."""

from __future__ import annotations

from uuid import UUID

import msgspec
from redis.asyncio import Redis

from switchyard.notifications.domain.model import InboxItem

CHANNEL_PREFIX = "switchyard:notifications:inbox:"


def channel(user_id: UUID) -> str:
    return f"{CHANNEL_PREFIX}{user_id}"


class InboxFeed:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def publish(self, item: InboxItem) -> None:
        await self.redis.publish(channel(item.user_id), msgspec.json.encode(item))
