"""argon2id hashing on a small thread pool of its own, so the event loop never waits on it."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class HashingOverloaded(Exception):
    """More hashes are waiting than the pool clears in a few seconds: refuse now, retry soon."""


class PasswordHasher:
    """argon2-cffi releases the GIL while hashing, so ``workers`` hashes really run in parallel.

    The pool bounds memory as well: each running hash holds ``memory_kib``. At most
    ``queue_per_worker`` hashes per worker may wait; more is a flood, answered at once.
    """

    def __init__(
        self,
        *,
        memory_kib: int,
        time_cost: int,
        parallelism: int,
        workers: int = 0,
        queue_per_worker: int = 32,
    ) -> None:
        self._argon2 = Argon2Hasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        workers = workers or os.cpu_count() or 1
        self._max_pending, self._pending = workers * queue_per_worker, 0
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        # Verified against when the account is unknown, so both answers take the same time.
        self._dummy_hash = self._argon2.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await self._run(self._argon2.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; a missing hash costs the same time and returns False."""
        matched = await self._run(self._check, password_hash or self._dummy_hash, password)
        return matched and password_hash is not None

    async def _run[T](self, work: Callable[..., T], *args: str) -> T:
        if self._pending >= self._max_pending:
            raise HashingOverloaded()
        self._pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, work, *args)
        finally:
            self._pending -= 1

    def needs_rehash(self, password_hash: str) -> bool:
        return self._argon2.check_needs_rehash(password_hash)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _check(self, stored: str, password: str) -> bool:
        try:
            return self._argon2.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
