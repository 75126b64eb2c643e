"""Revoked sessions in Redis, which every service's token verifier checks."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from redis.asyncio import Redis

from switchyard.common.http.auth import deny_session


class SessionDenylist:
    """Once a session ends, its access tokens (all carry its ``sid``) are refused until they expire."""

    def __init__(self, redis: Redis, *, access_token_ttl_s: int) -> None:
        self._redis = redis
        self._ttl_s = access_token_ttl_s

    async def deny(self, session_ids: Iterable[UUID]) -> None:
        for session_id in session_ids:
            await deny_session(self._redis, str(session_id), ttl_s=self._ttl_s)
