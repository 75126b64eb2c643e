"""JWKS cache decisions, key parsing, algorithm pinning, claims and denylist arithmetic."""

from __future__ import annotations

import pytest
from joserfc.jwk import ECKey, OctKey, OKPKey

from switchyard.common.http.auth.denylist import denylist_key, denylist_ttl
from switchyard.common.http.auth.jwks import JwksCache, parse_jwks
from switchyard.common.http.auth.principal import Principal, principal_from_claims
from switchyard.common.http.auth.verifier import JwksVerifier


def _okp() -> OKPKey:
    return OKPKey.generate_key("Ed25519", auto_kid=True)


def test_empty_cache_fetches() -> None:
    assert JwksCache().should_fetch("kid", now=0.0)


def test_fresh_cache_with_known_kid_does_not_fetch() -> None:
    key = _okp()
    cache = JwksCache(ttl_s=300, min_refetch_interval_s=10)
    cache.record_attempt(100.0)
    cache.store({key.kid or "": key}, 100.0)

    assert not cache.should_fetch(key.kid or "", now=399.0)
    assert cache.get(key.kid or "") is key


def test_stale_cache_fetches_after_ttl() -> None:
    key = _okp()
    cache = JwksCache(ttl_s=300, min_refetch_interval_s=10)
    cache.record_attempt(100.0)
    cache.store({key.kid or "": key}, 100.0)

    assert cache.should_fetch(key.kid or "", now=400.0)


def test_unknown_kid_refetch_is_rate_limited() -> None:
    cache = JwksCache(ttl_s=300, min_refetch_interval_s=10)
    cache.record_attempt(100.0)
    cache.store({}, 100.0)

    assert not cache.should_fetch("new-kid", now=105.0), "within the interval: no refetch"
    assert cache.should_fetch("new-kid", now=110.0)


def test_failed_fetch_is_not_retried_within_the_interval() -> None:
    cache = JwksCache(min_refetch_interval_s=10)
    cache.record_attempt(100.0)

    assert cache.keys is None
    assert not cache.should_fetch("kid", now=101.0)
    assert cache.should_fetch("kid", now=111.0)


def test_parse_jwks_keeps_only_asymmetric_keys_by_kid() -> None:
    okp, ec = _okp(), ECKey.generate_key("P-256", auto_kid=True)
    secret = OctKey.generate_key(256, auto_kid=True)
    kidless = OKPKey.generate_key("Ed25519")
    document = {
        "keys": [
            okp.as_dict(private=False),
            ec.as_dict(private=False),
            secret.as_dict(),
            kidless.as_dict(private=False),
        ]
    }

    keys = parse_jwks(document)

    assert set(keys) == {okp.kid, ec.kid, kidless.thumbprint()}
    assert not keys[okp.kid or ""].is_private


@pytest.mark.parametrize("document", [[], {"keys": "nope"}, {"other": []}, None])
def test_parse_jwks_rejects_non_jwks(document: object) -> None:
    with pytest.raises(ValueError, match="not a JWKS"):
        parse_jwks(document)


@pytest.mark.parametrize("algorithms", [("none",), ("EdDSA", "HS256"), ("hs512",), ()])
def test_verifier_refuses_unsafe_algorithms(algorithms: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="asymmetric"):
        JwksVerifier("http://127.0.0.1:1/jwks.json", "iss", "aud", algorithms)


def test_principal_from_claims() -> None:
    claims = {
        "sub": "user-1",
        "roles": ["admin", 7, "user"],
        "sid": "session-1",
        "email_verified": True,
        "jti": "token-1",
        "exp": 1_900_000_000,
    }

    principal = principal_from_claims(claims)

    assert principal == Principal(
        subject="user-1",
        roles=frozenset({"admin", "user"}),
        session_id="session-1",
        email_verified=True,
        token_id="token-1",
        expires_at=1_900_000_000,
    )
    assert principal.user_id == "user-1"
    assert principal.has_any_role("moderator", "admin")
    assert not principal.has_any_role("moderator")


def test_principal_ignores_malformed_optional_claims() -> None:
    principal = principal_from_claims({"sub": "u", "roles": "admin", "email_verified": "yes", "sid": 3})

    assert principal == Principal(subject="u")


def test_denylist_key_format() -> None:
    assert denylist_key("abc") == "switchyard:denylist:jti:abc"


@pytest.mark.parametrize(
    ("expires_at", "now", "ttl"),
    [(1000.0, 100.0, 960), (100.5, 100.0, 61), (90.0, 100.0, 60), (30.0, 100.0, 0)],
)
def test_denylist_ttl_covers_remaining_lifetime_plus_leeway(expires_at: float, now: float, ttl: int) -> None:
    assert denylist_ttl(expires_at, now=now, margin_s=60) == ttl
