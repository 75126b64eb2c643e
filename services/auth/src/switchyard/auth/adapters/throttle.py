"""Brute-force protection: failed logins counted per account and per client IP in Redis.

Past ``max_failures`` in ``window_s`` an account is locked; each further lockout within a day
doubles the lock, capped at the window, so the owner can always log in once it has passed.
Attempts refused while locked are not verified and do not extend the lock (no lock-out-forever).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from redis.asyncio import Redis

from switchyard.auth.domain.errors import TooManyAttempts

_PREFIX = "switchyard:auth:login:"
_LOCKOUT_MEMORY_S = 24 * 3600


@dataclass(frozen=True, slots=True)
class Lockout:
    failures: int
    duration_s: int


def _seconds(pttl_ms: int) -> int:
    """Retry-After for a key expiring in ``pttl_ms`` (rounded up; at least 1)."""
    return max(math.ceil(pttl_ms / 1000), 1)


def _key(kind: str, subject: str) -> str:
    # Hashed so that emails and IPs do not sit in Redis in clear.
    return _PREFIX + kind + ":" + hashlib.sha256(subject.encode()).hexdigest()[:32]


class LoginThrottle:
    def __init__(
        self, redis: Redis, *, max_failures: int, window_s: int, ip_max_failures: int, lockout_s: int
    ) -> None:
        self._redis = redis
        self._max, self._window, self._ip_max, self._lockout = (
            max_failures,
            window_s,
            ip_max_failures,
            lockout_s,
        )

    async def check(self, subject: str, ip: str | None) -> None:
        """Raise TooManyAttempts when ``subject`` (an account or login name) or ``ip`` is locked."""
        async with self._redis.pipeline(transaction=False) as pipe:
            # Milliseconds: TTL in seconds rounds, and would let the last half second through.
            pipe.pttl(_key("lock", subject))
            if ip:
                pipe.get(_key("ip", ip))
                pipe.pttl(_key("ip", ip))
            replies = await pipe.execute()
        if replies[0] > 0:
            raise TooManyAttempts(_seconds(replies[0]))
        if ip and replies[1] is not None and int(replies[1]) >= self._ip_max:
            raise TooManyAttempts(_seconds(replies[2]))

    async def record_failure(self, subject: str, ip: str | None) -> Lockout | None:
        """Count a failure; returns the lockout it caused, if any."""
        failures_key = _key("fail", subject)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(failures_key)
            pipe.expire(failures_key, self._window, nx=True)
            if ip:
                pipe.incr(_key("ip", ip))
                pipe.expire(_key("ip", ip), self._window, nx=True)
            failures = int((await pipe.execute())[0])
        if failures < self._max:
            return None
        lockouts = int(await self._redis.incr(_key("lockouts", subject)))
        await self._redis.expire(_key("lockouts", subject), _LOCKOUT_MEMORY_S)
        duration = min(self._lockout * 2 ** min(lockouts - 1, 20), self._window)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(_key("lock", subject), b"1", ex=duration)
            pipe.delete(failures_key)
            await pipe.execute()
        return Lockout(failures=failures, duration_s=duration)

    async def reset(self, subject: str) -> None:
        await self._redis.delete(_key("fail", subject), _key("lockouts", subject))
