"""Cache-aside for single-profile reads in Redis, safe against a reader racing a writer.

Every change bumps the profile's *generation* after its commit and drops the cached copy. A
reader notes the generation before reading the database and stores what it read only if the
generation is still the same, so a value read before a commit can never be stored after it: a
read that follows a successful write never sees the old value. Redis being down is a miss.
"""

from __future__ import annotations

from uuid import UUID

import msgspec
import structlog
from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from switchyard.common.observability import declare_metric
from switchyard.users.domain.model import Profile

_PREFIX = "switchyard:users:profile:"
# Also a backstop for an invalidation lost to a crash between commit and Redis.
_TTL_S = 300
_GENERATION_TTL_S = 24 * 3600

_log = structlog.get_logger(__name__)

CACHE_LOOKUPS = declare_metric(
    Counter,
    "switchyard_users_profile_cache_total",
    "Profile cache lookups by outcome (hit, miss, error).",
    ["outcome"],
)

# KEYS: value, generation. ARGV: the generation read before the database, the value, ttl.
_STORE_IF_CURRENT = """
local current = redis.call('GET', KEYS[2]) or '0'
if current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
"""


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Profile)


class ProfileCache:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._store = redis.register_script(_STORE_IF_CURRENT)

    async def get(self, user_id: UUID) -> tuple[Profile | None, str]:
        """The cached profile (None on a miss) and the generation to hand back to :meth:`put`."""
        try:
            value, generation = await self._redis.mget(_key(user_id), _generation(user_id))
        except RedisError as exc:
            _log.warning("profile_cache_unavailable", error=repr(exc))
            CACHE_LOOKUPS.labels(outcome="error").inc()
            return None, ""
        if value is None:
            CACHE_LOOKUPS.labels(outcome="miss").inc()
            return None, generation.decode() if isinstance(generation, bytes) else "0"
        CACHE_LOOKUPS.labels(outcome="hit").inc()
        return _decoder.decode(value), ""

    async def put(self, profile: Profile, generation: str) -> None:
        if not generation:
            return
        try:
            await self._store(
                keys=[_key(profile.id), _generation(profile.id)],
                args=[generation, _encoder.encode(profile), _TTL_S],
            )
        except RedisError as exc:
            _log.warning("profile_cache_unavailable", error=repr(exc))

    async def invalidate(self, *user_ids: UUID) -> None:
        """After a committed change: readers that started before it cannot store what they read."""
        async with self._redis.pipeline(transaction=True) as pipe:
            for user_id in user_ids:
                pipe.incr(_generation(user_id))
                pipe.expire(_generation(user_id), _GENERATION_TTL_S)
                pipe.delete(_key(user_id))
            await pipe.execute()


def _key(user_id: UUID) -> str:
    return f"{_PREFIX}{user_id}"


def _generation(user_id: UUID) -> str:
    return f"{_PREFIX}{user_id}:generation"
