"""A stand-in for auth's key endpoint: a JWKS served over real HTTP and tokens minted like auth's.

A service under test fetches ``url`` exactly as it fetches auth's ``/.well-known/jwks.json``, so
bearer checks run end to end (signature, kid, claims, denylist) without an auth process.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from joserfc import jwt
from joserfc.jwk import ECKey
from litestar import Litestar, get

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

    config = uvicorn.Config(Litestar([document]), host="127.0.0.1", port=0, log_config=None, lifespan="off")
    uvicorn_server = uvicorn.Server(config)
    task = asyncio.create_task(uvicorn_server.serve(), name="switchyard-test-jwks")
    while not uvicorn_server.started:  # uvicorn exposes readiness only as this flag
        if task.done():
            task.result()
            raise RuntimeError("the JWKS server stopped during startup")
        await asyncio.sleep(0.01)
    port = uvicorn_server.servers[0].sockets[0].getsockname()[1]
    jwks.url = f"http://127.0.0.1:{port}/.well-known/jwks.json"
    try:
        yield jwks
    finally:
        uvicorn_server.should_exit = True
        await task
