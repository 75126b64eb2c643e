"""Revoked access tokens in Redis: auth writes them, every verifier reads them.

A token is refused when its ``jti`` is denied (that one token), its ``sid`` is (every token of
an ended session), or it was issued before its subject's "not before" (every token of a person
whose rights changed, e.g. a new role: the client refreshes into a token that carries it).
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis

DENYLIST_PREFIX = "switchyard:denylist:jti:"
SESSION_DENYLIST_PREFIX = "switchyard:denylist:sid:"
SUBJECT_DENYLIST_PREFIX = "switchyard:denylist:sub:"
# Verifiers accept tokens a little past ``exp`` (clock leeway), so entries outlive the token by this much.
DENYLIST_MARGIN_S = 60


def denylist_key(token_id: str) -> str:
    return f"{DENYLIST_PREFIX}{token_id}"


def session_denylist_key(session_id: str) -> str:
    return f"{SESSION_DENYLIST_PREFIX}{session_id}"


def subject_denylist_key(subject: str) -> str:
    return f"{SUBJECT_DENYLIST_PREFIX}{subject}"


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


async def deny_tokens_issued_before(redis: Redis, subject: str, *, at: float, ttl_s: int) -> None:
    """Refuse every token of ``subject`` issued before ``at`` (Unix seconds), for ``ttl_s`` seconds.

    ``ttl_s`` must outlast the tokens already issued: the access-token lifetime plus a margin.
    """
    await redis.set(subject_denylist_key(subject), f"{at:.6f}".encode(), ex=ttl_s)


def issued_before(issued_at: int | None, not_before: bytes | str | None) -> bool:
    """Whether a token issued at ``issued_at`` predates the stored "not before" (raw Redis value).

    ``iat`` has whole seconds, so within the second of the change a token issued just before it
    cannot be told from one issued just after. Both are accepted (``iat < floor(not_before)``):
    a token minted after the change must never bounce, and the one that slips through is at most
    a second older than the change. A token without ``iat`` cannot show it is newer: refused.
    """
    if not_before is None:
        return False
    if issued_at is None:
        return True
    try:
        cutoff = math.floor(float(not_before))
    except ValueError:
        # Unreadable entry: fail closed, as for an unreachable denylist.
        return True
    return issued_at < cutoff


async def is_token_id_denied(redis: Redis, token_id: str) -> bool:
    return bool(await redis.exists(denylist_key(token_id)))


async def is_token_denied(
    redis: Redis,
    *,
    token_id: str | None,
    session_id: str | None,
    subject: str | None = None,
    issued_at: int | None = None,
) -> bool:
    """One round trip (MGET) for the token, its session and its subject's "not before"."""
    keys = [denylist_key(token_id)] if token_id else []
    if session_id:
        keys.append(session_denylist_key(session_id))
    revocations = len(keys)
    if subject:
        keys.append(subject_denylist_key(subject))
    if not keys:
        return False
    values = await redis.mget(keys)
    if any(value is not None for value in values[:revocations]):
        return True
    return bool(subject) and issued_before(issued_at, values[-1])
