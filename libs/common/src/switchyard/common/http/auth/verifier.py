"""Verification of bearer access tokens issued by the auth service."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from joserfc import jws, jwt
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwt import JWTClaimsRegistry
from redis.exceptions import RedisError

from switchyard.common.http.auth.denylist import is_token_denied
from switchyard.common.http.auth.jwks import JwksCache, JwksSource, KeysUnavailable, PublicKey
from switchyard.common.http.auth.principal import Principal, principal_from_claims

if TYPE_CHECKING:
    from redis.asyncio import Redis

# "Ed25519" is the RFC 9864 name of what older issuers call "EdDSA".
DEFAULT_ALGORITHMS = ("Ed25519", "EdDSA", "ES256")
# RFC 9068 section 2.1: access tokens say so in their header, so an ID token or any other JWT
# signed by the same key is not taken for one (media type names are case-insensitive).
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})
_MAX_TOKEN_BYTES = 8192


class KeySource(Protocol):
    """Where verification keys come from: the JWKS over HTTP, or (in auth itself) its key store."""

    async def key_for(self, kid: str) -> PublicKey | None: ...


class DenylistUnavailable(KeysUnavailable):
    """Redis cannot be asked whether the token was revoked, so it is not trusted (fail closed)."""


class TokenRejected(Exception):
    """The token is not acceptable; the reason is safe to show the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _pinned(algorithms: Sequence[str]) -> tuple[str, ...]:
    # Verification keys are public, so a symmetric or unsigned algorithm would let anyone mint tokens.
    unsafe = [a for a in algorithms if a.lower() == "none" or a.upper().startswith("HS")]
    if unsafe or not algorithms:
        raise ValueError(f"only asymmetric signature algorithms may be pinned, got {list(algorithms)}")
    return tuple(algorithms)


class JwksVerifier:
    """Verifies type (at+jwt), signature (pinned algorithms, key by kid), exp/nbf/iat, iss, aud and the
    denylist (the token, its session, its subject's "not before")."""

    def __init__(
        self,
        jwks_url: str | None,
        issuer: str,
        audience: str,
        algorithms: Sequence[str] = DEFAULT_ALGORITHMS,
        *,
        leeway_s: int = 30,
        cache: JwksCache | None = None,
        denylist: Redis | None = None,
        clock: Callable[[], float] = time.time,
        keys: KeySource | None = None,
    ) -> None:
        self.algorithms = _pinned(algorithms)
        self.issuer, self.audience, self.leeway_s = issuer, audience, leeway_s
        if keys is None:
            if not jwks_url:
                raise ValueError("a JWKS URL or a key source is required")
            keys = JwksSource(jwks_url, cache=cache or JwksCache())
        self.keys: KeySource = keys
        self.denylist = denylist
        self.clock = clock

    async def verify(self, token: str) -> Principal:
        """Return the caller named by ``token``, or raise :class:`TokenRejected` (or ``KeysUnavailable``)."""
        header = self._header(token)
        if header.get("alg") not in self.algorithms:
            raise TokenRejected("unsupported signature algorithm")
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in ACCESS_TOKEN_TYPES:
            raise TokenRejected("not an access token")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise TokenRejected("token has no key id")
        key = await self.keys.key_for(kid)
        if key is None:
            raise TokenRejected("unknown signing key")
        try:
            claims = jwt.decode(token, key, algorithms=self.algorithms).claims
            self._claims_registry().validate(claims)
        except ExpiredTokenError:
            raise TokenRejected("token expired") from None
        except (JoseError, ValueError):
            raise TokenRejected("invalid token") from None
        principal = principal_from_claims(claims)
        if self.denylist is not None:
            try:
                denied = await is_token_denied(
                    self.denylist,
                    token_id=principal.token_id,
                    session_id=principal.session_id,
                    subject=principal.subject,
                    issued_at=principal.issued_at,
                )
            except RedisError as exc:
                raise DenylistUnavailable("the token denylist (Redis) is unreachable") from exc
            if denied:
                raise TokenRejected("token revoked")
        return principal

    @staticmethod
    def _header(token: str) -> dict[str, Any]:
        if len(token) > _MAX_TOKEN_BYTES:
            raise TokenRejected("token too large")
        try:
            return dict(jws.extract_compact(token.encode("ascii")).protected)
        except (JoseError, ValueError):
            raise TokenRejected("malformed token") from None

    def _claims_registry(self) -> JWTClaimsRegistry:
        return JWTClaimsRegistry(
            now=lambda: int(self.clock()),
            leeway=self.leeway_s,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.audience},
            sub={"essential": True},
            exp={"essential": True},
            jti={"essential": self.denylist is not None},
        )
