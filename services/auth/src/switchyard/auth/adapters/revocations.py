"""Revoked sessions and subjects in Redis, which every service's token verifier checks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from redis.asyncio import Redis

from switchyard.common.http.auth import deny_session, deny_tokens_issued_before
from switchyard.common.http.auth.denylist import DENYLIST_MARGIN_S


class SessionDenylist:
    """Once a session ends, its access tokens (all carry its ``sid``) are refused until they expire."""

    def __init__(self, redis: Redis, *, access_token_ttl_s: int) -> None:
        self._redis = redis
        self._ttl_s = access_token_ttl_s

    async def deny(self, session_ids: Iterable[UUID]) -> None:
        for session_id in session_ids:
            await deny_session(self._redis, str(session_id), ttl_s=self._ttl_s)

    async def deny_subject_before(self, account_id: UUID, at: datetime) -> None:
        """Refuse the account's access tokens issued before ``at``, in every session, until they expire."""
        await deny_tokens_issued_before(
            self._redis, str(account_id), at=at.timestamp(), ttl_s=self._ttl_s + DENYLIST_MARGIN_S
        )
