"""Brute-force protection: password attempts counted per account and per client IP in Redis.

An attempt is reserved (counted) *before* the password is checked, atomically, so attempts sent
at the same moment cannot all slip past the limit; a success gives the reservation back.
Past ``max_failures`` in ``window_s`` the account is locked; each further lockout within a day
doubles the lock, capped at the window, so the owner can always log in once it has passed.
Attempts refused while locked are not checked and do not extend the lock (no lock-out-forever).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from redis.asyncio import Redis

from switchyard.auth.domain.errors import TooManyAttempts

_PREFIX = "switchyard:auth:login:"
_LOCKOUT_MEMORY_S = 24 * 3600

# KEYS: lock, attempts, ip attempts (or ""). ARGV: max per subject, window ms, max per ip.
# Returns {attempt number, 0} when reserved, {0, retry-after ms} when refused.
_RESERVE = """
local lock_ms = redis.call('PTTL', KEYS[1])
if lock_ms > 0 then return {0, lock_ms} end
if KEYS[3] ~= '' then
  local by_ip = tonumber(redis.call('GET', KEYS[3]) or '0')
  if by_ip >= tonumber(ARGV[3]) then return {0, redis.call('PTTL', KEYS[3])} end
end
local n = redis.call('INCR', KEYS[2])
if n == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
if n > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[2])
  return {0, 1000}
end
if KEYS[3] ~= '' then
  if redis.call('INCR', KEYS[3]) == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[2]) end
end
return {n, 0}
"""

# KEYS: attempts, ip attempts (or ""). Gives a reservation back without going below zero.
_RELEASE = """
for i, key in ipairs(KEYS) do
  if key ~= '' and tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 0
"""


@dataclass(frozen=True, slots=True)
class Lockout:
    failures: int
    duration_s: int


def _seconds(ms: int) -> int:
    """Retry-After for a key expiring in ``ms`` milliseconds (rounded up; at least 1)."""
    return max(math.ceil(ms / 1000), 1)


def _key(kind: str, subject: str) -> str:
    # Hashed so that emails and IPs do not sit in Redis in clear.
    return _PREFIX + kind + ":" + hashlib.sha256(subject.encode()).hexdigest()[:32]


class LoginThrottle:
    def __init__(
        self, redis: Redis, *, max_failures: int, window_s: int, ip_max_failures: int, lockout_s: int
    ) -> None:
        self._redis = redis
        self._max, self._window = max_failures, window_s
        self._ip_max, self._lockout = ip_max_failures, lockout_s
        self._reserve = redis.register_script(_RESERVE)
        self._release = redis.register_script(_RELEASE)

    async def reserve(self, subject: str, ip: str | None) -> int:
        """Count an attempt before checking it; its number, or TooManyAttempts (locked / in flight)."""
        keys = [_key("lock", subject), _key("fail", subject), _key("ip", ip) if ip else ""]
        number, retry_ms = await self._reserve(keys=keys, args=[self._max, self._window * 1000, self._ip_max])
        if int(number) == 0:
            raise TooManyAttempts(_seconds(int(retry_ms)))
        return int(number)

    async def failed(self, subject: str, attempt: int) -> Lockout | None:
        """The reserved attempt failed; the last one allowed locks the account (returned)."""
        if attempt < self._max:
            return None
        lockouts = int(await self._redis.incr(_key("lockouts", subject)))
        await self._redis.expire(_key("lockouts", subject), _LOCKOUT_MEMORY_S)
        duration = min(self._lockout * 2 ** min(lockouts - 1, 20), self._window)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(_key("lock", subject), b"1", ex=duration)
            pipe.delete(_key("fail", subject))
            await pipe.execute()
        return Lockout(failures=attempt, duration_s=duration)

    async def succeeded(self, subject: str, ip: str | None) -> None:
        """The owner proved who they are: the account's count, lockout history and lock go."""
        await self._redis.delete(_key("fail", subject), _key("lockouts", subject), _key("lock", subject))
        if ip:
            await self._release(keys=["", _key("ip", ip)])

    async def release(self, subject: str, ip: str | None) -> None:
        """The attempt was neither a failure nor a success (a second factor is still to come)."""
        await self._release(keys=[_key("fail", subject), _key("ip", ip) if ip else ""])
