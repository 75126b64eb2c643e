"""Stored outcomes of POST requests carrying an ``Idempotency-Key``, kept in Redis for 24 hours."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import msgspec

if TYPE_CHECKING:
    from redis.asyncio import Redis

IDEMPOTENCY_HEADER = "idempotency-key"
DEFAULT_TTL_S = 24 * 60 * 60
_SANE_KEY = re.compile(r"[\x21-\x7e]{1,255}")

# Replace a value only if it is still exactly the one this request wrote (it may have expired and
# been claimed by a retry in the meantime).
_COMPARE_AND_SET = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  if ARGV[2] == '' then return redis.call('DEL', KEYS[1]) end
  return redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
return 0
"""


def is_valid_key(key: str) -> bool:
    """Keys are 1-255 visible ASCII characters (a UUID is typical)."""
    return _SANE_KEY.fullmatch(key) is not None


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """What makes two requests "the same": a reused key with another fingerprint is a client error."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class StoredResponse(msgspec.Struct, frozen=True):
    status: int
    body: bytes
    content_type: str | None = None
    location: str | None = None


class _Record(msgspec.Struct, frozen=True):
    fingerprint: str
    owner: str
    response: StoredResponse | None = None


@dataclass(frozen=True, slots=True)
class Claimed:
    """This request owns the key and must ``complete`` or ``release`` it."""

    token: bytes


@dataclass(frozen=True, slots=True)
class Replay:
    response: StoredResponse


type Outcome = Claimed | Replay | Literal["in_progress", "mismatch"]


class IdempotencyStore:
    """Keys are scoped by service, route and caller: ``<prefix>:<service>:<sha256(route, caller, key)>``."""

    def __init__(
        self,
        redis: Redis,
        *,
        service: str,
        key_prefix: str = "switchyard:idempotency",
        ttl_s: int = DEFAULT_TTL_S,
        lock_ttl_s: int = 60,
    ) -> None:
        self.redis, self.service, self.key_prefix = redis, service, key_prefix
        self.ttl_s, self.lock_ttl_s = ttl_s, lock_ttl_s
        self._compare_and_set = redis.register_script(_COMPARE_AND_SET)

    def redis_key(self, route: str, caller: str, key: str) -> str:
        scope = hashlib.sha256("\0".join((route, caller, key)).encode()).hexdigest()
        return f"{self.key_prefix}:{self.service}:{scope}"

    async def claim(self, redis_key: str, request_fingerprint: str) -> Outcome:
        """Claim the key for this request, or say why it cannot run."""
        mine = msgspec.json.encode(_Record(request_fingerprint, uuid.uuid4().hex))
        for _ in range(2):  # the second try covers a record that expired between SET NX and GET
            if await self.redis.set(redis_key, mine, nx=True, ex=self.lock_ttl_s):
                return Claimed(mine)
            raw = await self.redis.get(redis_key)
            if raw is None:
                continue
            record = msgspec.json.decode(raw, type=_Record)
            if record.fingerprint != request_fingerprint:
                return "mismatch"
            return "in_progress" if record.response is None else Replay(record.response)
        return "in_progress"

    async def complete(self, redis_key: str, claimed: Claimed, response: StoredResponse) -> None:
        record = msgspec.json.decode(claimed.token, type=_Record)
        done = msgspec.json.encode(_Record(record.fingerprint, record.owner, response))
        await self._compare_and_set(keys=[redis_key], args=[claimed.token, done, self.ttl_s])

    async def release(self, redis_key: str, claimed: Claimed) -> None:
        """Forget the key so the client may retry (the request failed on our side)."""
        await self._compare_and_set(keys=[redis_key], args=[claimed.token, b"", 0])
