"""argon2id off the event loop: the configured parameters, and a flood refused instead of queued."""

from __future__ import annotations

import asyncio

from switchyard.auth.adapters.password_hasher import HashingOverloaded, PasswordHasher

# Small parameters: these tests are about the pool, not about argon2's cost.
FAST = {"memory_kib": 8192, "time_cost": 1, "parallelism": 1}


async def test_hashes_verify_and_carry_the_configured_parameters() -> None:
    hasher = PasswordHasher(**FAST, workers=1)
    try:
        stored = await hasher.hash("amber falcon drifts over quiet harbor")
        assert stored.startswith("$argon2id$v=19$m=8192,t=1,p=1$")
        assert await hasher.verify(stored, "amber falcon drifts over quiet harbor")
        assert not await hasher.verify(stored, "amber falcon drifts over quiet harbour")
        assert not await hasher.verify(None, "anything"), "no hash never matches (the dummy is used)"
        assert PasswordHasher(**{**FAST, "time_cost": 2}, workers=1).needs_rehash(stored)
        assert not hasher.needs_rehash(stored)
    finally:
        hasher.close()


async def test_more_waiting_hashes_than_the_queue_holds_are_refused_at_once() -> None:
    hasher = PasswordHasher(**FAST, workers=1, queue_per_worker=2)
    try:
        results = await asyncio.gather(
            *(hasher.hash(f"password {n}") for n in range(6)), return_exceptions=True
        )
        refused = [r for r in results if isinstance(r, HashingOverloaded)]
        assert len(refused) == 4
        assert all(isinstance(r, str) for r in results if r not in refused)
        # The queue drained: the next hash is accepted again.
        assert (await hasher.hash("after the flood")).startswith("$argon2id$")
    finally:
        hasher.close()


def test_a_corrupt_stored_hash_is_a_mismatch_not_an_error() -> None:
    hasher = PasswordHasher(**FAST, workers=1)
    try:
        assert asyncio.run(hasher.verify("$argon2id$garbage", "x")) is False
    finally:
        hasher.close()
