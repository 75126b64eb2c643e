"""A stand-in for auth's key endpoint: a JWKS served over real HTTP and tokens minted like auth's.

A service under test fetches ``url`` exactly as it fetches auth's ``/.well-known/jwks.json``, so
bearer checks run end to end (signature, kid, claims, denylist) without an auth process.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey
from litestar import Litestar, get

from switchyard.common.testing.services import served_over_http

ALGORITHM = "ES256"
ISSUER = "switchyard-auth"
AUDIENCE = "switchyard"
ACCESS_TOKEN_TTL_S = 900


class JwksServer:
    """One ES256 signing key, published at :attr:`url` once :func:`serve_jwks` runs."""

    def __init__(self, *, issuer: str = ISSUER, audience: str = AUDIENCE) -> None:
        self.issuer, self.audience = issuer, audience
        self.key = ECKey.generate_key("P-256", {"alg": ALGORITHM, "use": "sig"}, auto_kid=True)
        self.url = ""
        # How many times the document was fetched.
        self.hits = 0

    @property
    def kid(self) -> str:
        return str(self.key.kid)

    def document(self) -> dict[str, Any]:
        self.hits += 1
        return {"keys": [self.key.as_dict(private=False)]}

    def mint(
        self,
        subject: str | uuid.UUID,
        *,
        roles: Iterable[str] = ("user",),
        sid: str | None = None,
        **claims: Any,
    ) -> str:
        """An access token as auth signs it; ``claims`` add or override claims (``None`` drops one)."""
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(subject),
            "iat": now,
            "nbf": now,
            "exp": now + ACCESS_TOKEN_TTL_S,
            "jti": uuid.uuid4().hex,
            "sid": sid or str(uuid.uuid4()),
            "roles": list(roles),
            "email_verified": True,
            **claims,
        }
        header = {"alg": ALGORITHM, "kid": self.kid, "typ": "at+jwt"}
        payload = {name: value for name, value in body.items() if value is not None}
        return jwt.encode(header, payload, self.key, algorithms=[ALGORITHM])

    def bearer(self, subject: str | uuid.UUID, **options: Any) -> dict[str, str]:
        """An ``Authorization`` header carrying :meth:`mint`'s token."""
        return {"authorization": f"Bearer {self.mint(subject, **options)}"}


@asynccontextmanager
async def serve_jwks(server: JwksServer | None = None) -> AsyncIterator[JwksServer]:
    """Serve ``server``'s key set on a free loopback port, in this event loop, until the block ends."""
    jwks = server or JwksServer()

    @get("/.well-known/jwks.json", sync_to_thread=False)
    def document() -> dict[str, Any]:
        return jwks.document()

    async with served_over_http(Litestar([document]), name="switchyard-test-jwks") as base_url:
        jwks.url = f"{base_url}/.well-known/jwks.json"
        yield jwks
