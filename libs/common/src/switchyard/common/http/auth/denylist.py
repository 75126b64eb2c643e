"""Revoked access tokens in Redis: auth writes them, every verifier reads them.

A token is refused when its ``jti`` is denied (that one token) or its ``sid`` is (every token of
an ended session).
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis

DENYLIST_PREFIX = "switchyard:denylist:jti:"
SESSION_DENYLIST_PREFIX = "switchyard:denylist:sid:"
# Verifiers accept tokens a little past ``exp`` (clock leeway), so entries outlive the token by this much.
DENYLIST_MARGIN_S = 60


def denylist_key(token_id: str) -> str:
    return f"{DENYLIST_PREFIX}{token_id}"


def session_denylist_key(session_id: str) -> str:
    return f"{SESSION_DENYLIST_PREFIX}{session_id}"


def denylist_ttl(expires_at: float, *, now: float, margin_s: int = DENYLIST_MARGIN_S) -> int:
    """Seconds to keep a denylist entry: the token's remaining lifetime plus margin (0 = not needed)."""
    remaining = expires_at - now
    if remaining + margin_s <= 0:
        return 0
    return math.ceil(max(remaining, 0) + margin_s)


async def deny_token_id(
    redis: Redis,
    token_id: str,
    *,
    expires_at: float,
    now: float | None = None,
    margin_s: int = DENYLIST_MARGIN_S,
) -> None:
    """Revoke the token ``token_id`` (its ``jti``) until it would have expired anyway."""
    ttl = denylist_ttl(expires_at, now=time.time() if now is None else now, margin_s=margin_s)
    if ttl > 0:
        await redis.set(denylist_key(token_id), b"1", ex=ttl)


async def deny_session(
    redis: Redis, session_id: str, *, ttl_s: int, margin_s: int = DENYLIST_MARGIN_S
) -> None:
    """Refuse every access token of session ``session_id`` for ``ttl_s`` (the access-token lifetime)."""
    await redis.set(session_denylist_key(session_id), b"1", ex=ttl_s + margin_s)


async def is_token_id_denied(redis: Redis, token_id: str) -> bool:
    return bool(await redis.exists(denylist_key(token_id)))


async def is_token_denied(redis: Redis, *, token_id: str | None, session_id: str | None) -> bool:
    """One round trip for both checks."""
    keys = [denylist_key(token_id)] if token_id else []
    if session_id:
        keys.append(session_denylist_key(session_id))
    return bool(keys) and bool(await redis.exists(*keys))
