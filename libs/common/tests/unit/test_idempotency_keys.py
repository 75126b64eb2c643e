"""Idempotency fingerprints, key validation and key scoping (no Redis traffic)."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from switchyard.common.http.idempotency import IdempotencyStore, fingerprint, is_valid_key


def test_fingerprint_is_stable() -> None:
    assert fingerprint("POST", "/users", b"a=1", b'{"x":1}') == fingerprint(
        "post", "/users", b"a=1", b'{"x":1}'
    )


@pytest.mark.parametrize(
    "other",
    [
        ("POST", "/users", b"a=1", b'{"x":2}'),
        ("POST", "/users/2", b"a=1", b'{"x":1}'),
        ("POST", "/users", b"a=2", b'{"x":1}'),
        ("PUT", "/users", b"a=1", b'{"x":1}'),
        # Moving bytes between fields must not collide (fields are length-prefixed).
        ("POST", "/users", b"a=1{", b'"x":1}'),
    ],
)
def test_fingerprint_changes_with_any_part(other: tuple[str, str, bytes, bytes]) -> None:
    assert fingerprint(*other) != fingerprint("POST", "/users", b"a=1", b'{"x":1}')


@pytest.mark.parametrize("key", ["k", "0f8c2b1e-5d8a-4c63-9d7a-1b2c3d4e5f60", "~!@#$%^&*()", "x" * 255])
def test_valid_keys(key: str) -> None:
    assert is_valid_key(key)


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "tab\t", "naïve"])
def test_invalid_keys(key: str) -> None:
    assert not is_valid_key(key)


def test_redis_key_is_scoped_by_service_route_and_caller() -> None:
    # Building a client opens no connection; only key derivation is exercised here.
    store = IdempotencyStore(Redis(), service="users", key_prefix="p")
    base = store.redis_key("POST /users", "alice", "k1")

    assert base.startswith("p:users:")
    assert base == store.redis_key("POST /users", "alice", "k1")
    assert base != store.redis_key("POST /users", "bob", "k1")
    assert base != store.redis_key("POST /imports", "alice", "k1")
    assert base != store.redis_key("POST /users", "alice", "k2")
    assert base != IdempotencyStore(Redis(), service="auth", key_prefix="p").redis_key(
        "POST /users", "alice", "k1"
    )
