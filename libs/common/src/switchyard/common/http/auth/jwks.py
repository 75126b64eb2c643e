"""The auth service's public keys (JWKS), cached with a TTL and refetched, rate-limited, on an unknown kid."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import structlog
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, OKPKey, RSAKey

type PublicKey = OKPKey | ECKey | RSAKey

_log = structlog.get_logger(__name__)


class KeysUnavailable(Exception):
    """No signing keys have ever been fetched, so no token can be verified (a server-side problem)."""


def parse_jwks(document: Any) -> dict[str, PublicKey]:
    """The asymmetric keys of a JWKS document by kid (a kid-less key gets its RFC 7638 thumbprint).

    Symmetric keys are dropped: anyone can read a JWKS, so trusting one would let anyone sign.
    """
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWKS document")
    members: list[Any] = [dict(k) for k in document["keys"] if isinstance(k, Mapping)]
    keys = KeySet.import_key_set({"keys": members})
    return {
        key.kid: key for key in keys.keys if isinstance(key, OKPKey | ECKey | RSAKey) and key.kid is not None
    }


@dataclass
class JwksCache:
    """Which keys are known and when to fetch again (pure bookkeeping; times are in seconds)."""

    ttl_s: float = 300.0
    min_refetch_interval_s: float = 10.0
    keys: dict[str, PublicKey] | None = None
    fetched_at: float = -math.inf
    attempted_at: float = -math.inf

    def should_fetch(self, kid: str, now: float) -> bool:
        """Fetch when keys are missing, stale or lack ``kid``, but never more often than the interval."""
        if now - self.attempted_at < self.min_refetch_interval_s:
            return False
        return self.keys is None or now - self.fetched_at >= self.ttl_s or kid not in self.keys

    def record_attempt(self, now: float) -> None:
        self.attempted_at = now

    def store(self, keys: dict[str, PublicKey], now: float) -> None:
        self.keys, self.fetched_at = keys, now

    def get(self, kid: str) -> PublicKey | None:
        return None if self.keys is None else self.keys.get(kid)


@dataclass
class JwksSource:
    """Fetches the JWKS over HTTP; a failed fetch keeps the previous (stale) keys."""

    url: str
    cache: JwksCache = field(default_factory=JwksCache)
    timeout_s: float = 3.0
    clock: Callable[[], float] = time.monotonic
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)

    async def key_for(self, kid: str) -> PublicKey | None:
        # A fetch in flight (its attempt already recorded) is waited for, not skipped: a token with
        # the new kid arriving mid-fetch after a rotation must not be refused.
        if self.cache.should_fetch(kid, self.clock()) or self._lock.locked():
            async with self._lock:
                # Another request may have refreshed while this one waited.
                if self.cache.should_fetch(kid, self.clock()):
                    await self._refresh()
        if self.cache.keys is None:
            raise KeysUnavailable(self.url)
        return self.cache.get(kid)

    async def _refresh(self) -> None:
        self.cache.record_attempt(self.clock())
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                response = await client.get(self.url, headers={"accept": "application/json"})
                response.raise_for_status()
                keys = parse_jwks(response.json())
        except (httpx.HTTPError, ValueError, JoseError) as exc:
            _log.warning("jwks_fetch_failed", url=self.url, error=repr(exc))
            return
        self.cache.store(keys, self.clock())
        _log.info("jwks_fetched", url=self.url, kids=sorted(keys))
