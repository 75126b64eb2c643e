"""JWT verification against a JWKS served over real HTTP, and the auth middleware, guards and dependency."""

from __future__ import annotations

import asyncio
import base64
import json
import math
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, OKPKey
from litestar import Litestar, get
from litestar.di import NamedDependency
from redis.asyncio import Redis

from switchyard.common.http import PROBLEM_JSON, HttpSettings, Principal, create_app, requires_roles
from switchyard.common.http.auth import (
    DenylistUnavailable,
    JwksCache,
    JwksVerifier,
    KeysUnavailable,
    TokenRejected,
    deny_session,
    deny_token_id,
    deny_tokens_issued_before,
)
from switchyard.common.http.auth.jwks import JwksSource
from switchyard.common.testing.services import free_port, served_over_http

pytestmark = pytest.mark.integration


def asgi_transport(app: Litestar) -> httpx.ASGITransport:
    """Serve ``app`` in the caller's event loop (Litestar types ASGI more narrowly than httpx)."""
    return httpx.ASGITransport(app)  # type: ignore[arg-type]


ISSUER, AUDIENCE = "switchyard-auth", "switchyard"


@dataclass
class JwksEndpoint:
    url: str = ""
    document: dict[str, Any] = field(default_factory=dict)
    hits: int = 0

    def publish(self, *keys: OKPKey) -> None:
        self.document = {"keys": [key.as_dict(private=False) for key in keys]}


@pytest.fixture(scope="module")
async def jwks_endpoint() -> AsyncIterator[JwksEndpoint]:
    endpoint = JwksEndpoint()

    @get("/.well-known/jwks.json", sync_to_thread=False)
    def jwks() -> dict[str, Any]:
        endpoint.hits += 1
        return endpoint.document

    async with served_over_http(Litestar([jwks]), name="test-jwks-endpoint") as base_url:
        endpoint.url = f"{base_url}/.well-known/jwks.json"
        yield endpoint


@pytest.fixture
def signing_key(jwks_endpoint: JwksEndpoint) -> OKPKey:
    key = OKPKey.generate_key("Ed25519", auto_kid=True)
    jwks_endpoint.publish(key)
    jwks_endpoint.hits = 0
    return key


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def verifier(jwks_endpoint: JwksEndpoint, signing_key: OKPKey, redis: Redis) -> JwksVerifier:
    return JwksVerifier(jwks_endpoint.url, ISSUER, AUDIENCE, denylist=redis)


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        "sid": "session-1",
        "roles": ["user"],
        "email_verified": True,
    }
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


def mint(
    key: OKPKey | OctKey,
    alg: str = "Ed25519",
    kid: str | None = None,
    typ: str | None = "at+jwt",
    **overrides: Any,
) -> str:
    """An access token as auth issues them (RFC 9068 header type); ``typ=None`` leaves the type out."""
    header = {"alg": alg, "kid": kid or key.kid, **({"typ": typ} if typ is not None else {})}
    return jwt.encode(header, claims(**overrides), key, algorithms=[alg])


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_good_token_gives_its_principal(verifier: JwksVerifier, signing_key: OKPKey) -> None:
    token = mint(signing_key, roles=["admin", "user"], jti="jti-1")

    principal = await verifier.verify(token)

    assert principal.subject == "user-1"
    assert principal.roles == frozenset({"admin", "user"})
    assert (principal.session_id, principal.email_verified, principal.token_id) == (
        "session-1",
        True,
        "jti-1",
    )


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
async def test_legacy_eddsa_name_is_accepted(verifier: JwksVerifier, signing_key: OKPKey) -> None:
    assert (await verifier.verify(mint(signing_key, alg="EdDSA"))).subject == "user-1"


async def test_keys_are_fetched_once_and_cached(
    verifier: JwksVerifier, signing_key: OKPKey, jwks_endpoint: JwksEndpoint
) -> None:
    for _ in range(3):
        await verifier.verify(mint(signing_key))

    assert jwks_endpoint.hits == 1


async def test_small_clock_skew_is_tolerated(verifier: JwksVerifier, signing_key: OKPKey) -> None:
    now = int(time.time())

    principal = await verifier.verify(mint(signing_key, exp=now - 5, iat=now + 5, nbf=now + 5))

    assert principal.subject == "user-1"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"exp": int(time.time()) - 120}, "token expired"),
        ({"nbf": int(time.time()) + 600}, "invalid token"),
        ({"iat": int(time.time()) + 600}, "invalid token"),
        ({"aud": "someone-else"}, "invalid token"),
        ({"iss": "https://evil.example"}, "invalid token"),
        ({"exp": None}, "invalid token"),
        ({"sub": None}, "invalid token"),
        ({"jti": None}, "invalid token"),
    ],
)
async def test_bad_claims_are_rejected(
    verifier: JwksVerifier, signing_key: OKPKey, overrides: dict[str, Any], reason: str
) -> None:
    with pytest.raises(TokenRejected) as rejected:
        await verifier.verify(mint(signing_key, **overrides))

    assert rejected.value.reason == reason


@pytest.mark.parametrize("typ", ["at+jwt", "application/at+jwt", "AT+JWT", "Application/At+JWT"])
async def test_the_access_token_type_is_accepted_in_any_spelling_rfc_allows(
    verifier: JwksVerifier, signing_key: OKPKey, typ: str
) -> None:
    assert (await verifier.verify(mint(signing_key, typ=typ))).subject == "user-1"


@pytest.mark.parametrize("typ", [None, "JWT", "jwt", "id+jwt", "application/jwt", "at+jwt ", ""])
async def test_a_token_not_typed_as_an_access_token_is_rejected(
    verifier: JwksVerifier, signing_key: OKPKey, typ: str | None
) -> None:
    """RFC 9068 2.1: an ID token or other JWT signed by the same key must not pass as an access token."""
    with pytest.raises(TokenRejected) as rejected:
        await verifier.verify(mint(signing_key, typ=typ))

    assert rejected.value.reason == "not an access token"


async def test_hs256_signed_with_the_public_key_is_rejected(
    verifier: JwksVerifier, signing_key: OKPKey
) -> None:
    public_bytes = base64.urlsafe_b64decode(str(signing_key.as_dict(private=False)["x"]) + "=")
    forged = mint(OctKey.import_key(public_bytes), alg="HS256", kid=signing_key.kid)

    with pytest.raises(TokenRejected, match="unsupported signature algorithm"):
        await verifier.verify(forged)


async def test_unsigned_token_is_rejected(verifier: JwksVerifier, signing_key: OKPKey) -> None:
    unsigned = f"{b64({'alg': 'none', 'kid': signing_key.kid, 'typ': 'JWT'})}.{b64(claims())}."

    with pytest.raises(TokenRejected, match="unsupported signature algorithm"):
        await verifier.verify(unsigned)


async def test_signature_by_another_key_with_a_known_kid_is_rejected(
    verifier: JwksVerifier, signing_key: OKPKey
) -> None:
    impostor = OKPKey.generate_key("Ed25519")

    with pytest.raises(TokenRejected, match="invalid token"):
        await verifier.verify(mint(impostor, kid=signing_key.kid))


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c", "x" * 9000])
async def test_malformed_tokens_are_rejected(verifier: JwksVerifier, token: str) -> None:
    with pytest.raises(TokenRejected):
        await verifier.verify(token)


async def test_key_rotation_is_picked_up_by_refetching_on_unknown_kid(
    jwks_endpoint: JwksEndpoint, signing_key: OKPKey
) -> None:
    verifier = JwksVerifier(jwks_endpoint.url, ISSUER, AUDIENCE, cache=JwksCache(min_refetch_interval_s=0))
    await verifier.verify(mint(signing_key))
    rotated = OKPKey.generate_key("Ed25519", auto_kid=True)
    jwks_endpoint.publish(rotated)

    principal = await verifier.verify(mint(rotated))

    assert principal.subject == "user-1"
    assert jwks_endpoint.hits == 2
    with pytest.raises(TokenRejected, match="unknown signing key"):
        await verifier.verify(mint(signing_key))


async def test_tokens_with_a_new_kid_arriving_during_one_fetch_all_wait_for_it(
    jwks_endpoint: JwksEndpoint, signing_key: OKPKey
) -> None:
    verifier = JwksVerifier(jwks_endpoint.url, ISSUER, AUDIENCE, cache=JwksCache(min_refetch_interval_s=60))
    await verifier.verify(mint(signing_key))
    rotated = OKPKey.generate_key("Ed25519", auto_kid=True)
    jwks_endpoint.publish(signing_key, rotated)
    source = verifier.keys
    assert isinstance(source, JwksSource)
    source.cache.attempted_at = -math.inf  # as if the last fetch were long ago

    principals = await asyncio.gather(*(verifier.verify(mint(rotated)) for _ in range(5)))

    assert [p.subject for p in principals] == ["user-1"] * 5
    assert jwks_endpoint.hits == 2


async def test_unknown_kid_refetch_is_rate_limited(jwks_endpoint: JwksEndpoint, signing_key: OKPKey) -> None:
    verifier = JwksVerifier(jwks_endpoint.url, ISSUER, AUDIENCE, cache=JwksCache(min_refetch_interval_s=60))
    await verifier.verify(mint(signing_key))
    stranger = OKPKey.generate_key("Ed25519", auto_kid=True)

    for _ in range(3):
        with pytest.raises(TokenRejected, match="unknown signing key"):
            await verifier.verify(mint(stranger))

    assert jwks_endpoint.hits == 1


async def test_denylisted_token_id_is_rejected(
    verifier: JwksVerifier, signing_key: OKPKey, redis: Redis
) -> None:
    token_id = uuid.uuid4().hex
    token = mint(signing_key, jti=token_id)
    assert (await verifier.verify(token)).token_id == token_id

    await deny_token_id(redis, token_id, expires_at=time.time() + 300)

    with pytest.raises(TokenRejected, match="token revoked"):
        await verifier.verify(token)
    assert 300 < await redis.ttl(f"switchyard:denylist:jti:{token_id}") <= 361


async def test_a_token_of_an_ended_session_is_rejected(
    verifier: JwksVerifier, signing_key: OKPKey, redis: Redis
) -> None:
    session_id = str(uuid.uuid4())
    token = mint(signing_key, jti=uuid.uuid4().hex, sid=session_id)
    assert (await verifier.verify(token)).session_id == session_id

    await deny_session(redis, session_id, ttl_s=300)

    with pytest.raises(TokenRejected, match="token revoked"):
        await verifier.verify(token)
    assert 300 < await redis.ttl(f"switchyard:denylist:sid:{session_id}") <= 361


async def test_tokens_issued_before_the_subjects_not_before_are_rejected(
    verifier: JwksVerifier, signing_key: OKPKey, redis: Redis
) -> None:
    subject = f"user-{uuid.uuid4().hex}"
    now = int(time.time())
    older, newer = mint(signing_key, sub=subject, iat=now - 5), mint(signing_key, sub=subject, iat=now + 1)
    someone_else = mint(signing_key, sub=f"user-{uuid.uuid4().hex}", iat=now - 5)
    assert (await verifier.verify(older)).issued_at == now - 5

    await deny_tokens_issued_before(redis, subject, at=now + 0.5, ttl_s=960)

    with pytest.raises(TokenRejected, match="token revoked"):
        await verifier.verify(older)
    assert (await verifier.verify(newer)).subject == subject
    assert (await verifier.verify(someone_else)).issued_at == now - 5
    assert 900 < await redis.ttl(f"switchyard:denylist:sub:{subject}") <= 960


async def test_a_token_of_the_not_before_second_is_accepted_and_one_without_iat_is_not(
    verifier: JwksVerifier, signing_key: OKPKey, redis: Redis
) -> None:
    """iat has whole seconds: a token of the same second may be newer than the change, so it passes."""
    subject = f"user-{uuid.uuid4().hex}"
    now = int(time.time())
    await deny_tokens_issued_before(redis, subject, at=now + 0.9, ttl_s=300)

    assert (await verifier.verify(mint(signing_key, sub=subject, iat=now))).subject == subject
    with pytest.raises(TokenRejected, match="token revoked"):
        await verifier.verify(mint(signing_key, sub=subject, iat=now - 1))
    with pytest.raises(TokenRejected, match="token revoked"):
        await verifier.verify(mint(signing_key, sub=subject, iat=None))


async def test_the_denylist_is_read_in_one_round_trip(
    verifier: JwksVerifier, signing_key: OKPKey, redis: Redis
) -> None:
    """The token, its session and its subject are looked up together: one MGET per verification."""
    sent: list[tuple[Any, ...]] = []
    execute = redis.execute_command

    async def counted(*args: Any, **options: Any) -> Any:
        sent.append(args)
        return await execute(*args, **options)  # type: ignore[no-untyped-call]

    assert verifier.denylist is redis
    redis.execute_command = counted  # type: ignore[method-assign]
    token = mint(signing_key, sub="user-7", sid="session-7", jti="jti-7")

    await verifier.verify(token)

    assert sent == [
        (
            "MGET",
            "switchyard:denylist:jti:jti-7",
            "switchyard:denylist:sid:session-7",
            "switchyard:denylist:sub:user-7",
        )
    ]


async def test_an_unreachable_denylist_fails_closed(signing_key: OKPKey, jwks_endpoint: JwksEndpoint) -> None:
    unreachable = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")
    verifier = JwksVerifier(jwks_endpoint.url, ISSUER, AUDIENCE, denylist=unreachable)
    try:
        with pytest.raises(DenylistUnavailable):
            await verifier.verify(mint(signing_key, jti=uuid.uuid4().hex))
    finally:
        await unreachable.aclose()


async def test_unreachable_jwks_means_keys_unavailable() -> None:
    verifier = JwksVerifier("http://127.0.0.1:1/jwks.json", ISSUER, AUDIENCE)

    with pytest.raises(KeysUnavailable):
        await verifier.verify(mint(OKPKey.generate_key("Ed25519", auto_kid=True)))


@get("/me")
async def me(principal: NamedDependency[Principal]) -> dict[str, Any]:
    return {"user_id": principal.user_id, "roles": sorted(principal.roles), "sid": principal.session_id}


@get("/moderation", guards=[requires_roles("admin", "moderator")])
async def moderation() -> dict[str, str]:
    return {"ok": "yes"}


@get("/public")
async def public() -> dict[str, str]:
    return {"ok": "yes"}


@pytest.fixture
async def http(verifier: JwksVerifier) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        service="t", settings=HttpSettings(), route_handlers=[me, moderation, public], verifier=verifier
    )
    # The verifier's Redis client and lock belong to this loop, so the app runs here (not on a portal thread).
    async with httpx.AsyncClient(transport=asgi_transport(app), base_url="http://t") as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_handler_receives_the_principal(http: httpx.AsyncClient, signing_key: OKPKey) -> None:
    response = await http.get("/me", headers=bearer(mint(signing_key, sub="u-9", roles=["user"])))

    assert response.status_code == 200
    assert response.json() == {"user_id": "u-9", "roles": ["user"], "sid": "session-1"}


async def test_missing_token_is_401_with_bearer_challenge(http: httpx.AsyncClient) -> None:
    response = await http.get("/me")

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["www-authenticate"] == 'Bearer realm="switchyard"'


async def test_invalid_token_is_401_naming_the_reason(http: httpx.AsyncClient, signing_key: OKPKey) -> None:
    expired = mint(signing_key, exp=int(time.time()) - 600)

    response = await http.get("/me", headers=bearer(expired))

    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid access token: token expired."
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_non_bearer_scheme_is_401(http: httpx.AsyncClient) -> None:
    response = await http.get("/me", headers={"authorization": "Basic dXNlcjpwYXNz"})

    assert response.status_code == 401


async def test_wrong_role_is_403(http: httpx.AsyncClient, signing_key: OKPKey) -> None:
    response = await http.get("/moderation", headers=bearer(mint(signing_key, roles=["user"])))

    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM_JSON


@pytest.mark.parametrize("role", ["admin", "moderator"])
async def test_any_listed_role_passes_the_guard(
    http: httpx.AsyncClient, signing_key: OKPKey, role: str
) -> None:
    response = await http.get("/moderation", headers=bearer(mint(signing_key, roles=[role])))

    assert response.status_code == 200


async def test_role_guard_without_token_is_401(http: httpx.AsyncClient) -> None:
    assert (await http.get("/moderation")).status_code == 401


async def test_public_route_ignores_a_bad_token(http: httpx.AsyncClient) -> None:
    response = await http.get("/public", headers=bearer("garbage"))

    assert response.status_code == 200


async def test_unreachable_jwks_is_a_503_problem() -> None:
    verifier = JwksVerifier("http://127.0.0.1:1/jwks.json", ISSUER, AUDIENCE)
    app = create_app(service="t", settings=HttpSettings(), route_handlers=[me], verifier=verifier)
    token = mint(OKPKey.generate_key("Ed25519", auto_kid=True))

    async with httpx.AsyncClient(transport=asgi_transport(app), base_url="http://t") as client:
        response = await client.get("/me", headers=bearer(token))

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_JSON
