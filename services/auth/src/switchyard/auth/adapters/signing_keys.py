"""The ES256 keys that sign access tokens: stored in the auth database, published as a JWKS.

One key signs at a time. Rotation retires it; a retired key stays published until the last token
it signed has expired (access-token lifetime plus a margin for clock skew and cached active keys).
Auth verifies its own tokens against the published set only, so a key that leaves it (retired long
enough, or deleted after an emergency rotation) stops being accepted within a minute.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwt
from joserfc.jwk import ECKey
from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchyard.auth.adapters.orm import signing_keys
from switchyard.auth.domain.model import utcnow
from switchyard.common.http.auth import JwksCache, PublicKey

ALGORITHM = "ES256"
# Longer than the active-key cache and any sane clock skew.
PUBLICATION_MARGIN = timedelta(minutes=2)
_ACTIVE_CACHE_S = 10.0
# How long a key that left the published set may still be accepted here.
PUBLISHED_CACHE_S = 60.0
# Tokens naming unknown kids cost at most one key lookup per interval, however many arrive.
_UNKNOWN_KID_INTERVAL_S = 1.0


def _new_private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


class SigningKeys:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        access_token_ttl_s: int,
        passphrase: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = session_factory
        self._ttl = timedelta(seconds=access_token_ttl_s)
        self._passphrase = passphrase.encode() if passphrase else None
        self._private: dict[str, ECKey] = {}
        # The whole published set, replaced by each fetch: a key missing from it is unknown.
        self._published = JwksCache(ttl_s=PUBLISHED_CACHE_S, min_refetch_interval_s=_UNKNOWN_KID_INTERVAL_S)
        self._published_lock = asyncio.Lock()
        self._active: tuple[str, float] | None = None
        # Seconds, monotonic; public so a test can move it past the cache lifetimes.
        self.clock = clock

    async def ensure_active(self) -> str:
        """The signing key's kid, creating the first key if there is none (safe across replicas)."""
        kid = await self._active_kid()
        if kid is not None:
            return kid
        try:
            async with self._sessions.begin() as session:
                return await self._insert_new(session)
        except IntegrityError:
            # Another replica created it first.
            kid = await self._active_kid()
            assert kid is not None
            return kid

    async def rotate(self) -> str:
        """Retire the signing key and create its successor in one transaction; returns the new kid."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(signing_keys).where(signing_keys.c.retired_at.is_(None)).values(retired_at=utcnow())
            )
            kid = await self._insert_new(session)
        self._active = None
        return kid

    async def sign(self, claims: dict[str, Any]) -> str:
        kid = await self._cached_active_kid()
        key = await self._private_key(kid)
        header = {"alg": ALGORITHM, "kid": kid, "typ": "at+jwt"}
        return jwt.encode(header, claims, key, algorithms=[ALGORITHM])

    async def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The active key and every retired key whose tokens may still be live."""
        cutoff = utcnow() - self._ttl - PUBLICATION_MARGIN
        query = (
            select(signing_keys.c.public_jwk)
            .where(or_(signing_keys.c.retired_at.is_(None), signing_keys.c.retired_at > cutoff))
            .order_by(signing_keys.c.created_at.desc())
        )
        async with self._sessions() as session:
            return {"keys": [dict(row) for row in (await session.execute(query)).scalars()]}

    async def key_for(self, kid: str) -> PublicKey | None:
        """Auth verifying its own tokens: the published key ``kid`` (KeySource of the common verifier).

        The published set is read again once it is older than ``PUBLISHED_CACHE_S`` or lacks ``kid``,
        at most once per ``_UNKNOWN_KID_INTERVAL_S``; a request arriving during a read waits for it.
        """
        published = self._published
        if published.should_fetch(kid, self.clock()) or self._published_lock.locked():
            async with self._published_lock:
                if published.should_fetch(kid, self.clock()):
                    published.record_attempt(self.clock())
                    jwks = (await self.jwks())["keys"]
                    keys: dict[str, PublicKey] = {jwk["kid"]: ECKey.import_key(jwk) for jwk in jwks}
                    published.store(keys, self.clock())
        return published.get(kid)

    async def _cached_active_kid(self) -> str:
        now = self.clock()
        if self._active is None or now - self._active[1] > _ACTIVE_CACHE_S:
            self._active = (await self.ensure_active(), now)
        return self._active[0]

    async def _active_kid(self) -> str | None:
        async with self._sessions() as session:
            query = select(signing_keys.c.kid).where(signing_keys.c.retired_at.is_(None))
            return (await session.execute(query)).scalar_one_or_none()

    async def _private_key(self, kid: str) -> ECKey:
        if kid not in self._private:
            async with self._sessions() as session:
                query = select(signing_keys.c.private_key).where(signing_keys.c.kid == kid)
                pem = (await session.execute(query)).scalar_one()
            # A key stored before a passphrase was configured is plain; it stays readable.
            encrypted = pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
            private = serialization.load_pem_private_key(
                pem.encode(), password=self._passphrase if encrypted else None
            )
            self._private[kid] = ECKey.import_key(private, {"kid": kid})  # type: ignore[arg-type]
        return self._private[kid]

    async def _insert_new(self, session: AsyncSession) -> str:
        kid = uuid.uuid4().hex
        private = _new_private_key()
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(self._passphrase)
            if self._passphrase
            else serialization.NoEncryption()
        )
        pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
        public_jwk = ECKey.import_key(
            private.public_key(), {"kid": kid, "alg": ALGORITHM, "use": "sig"}
        ).as_dict(private=False)
        await session.execute(
            insert(signing_keys).values(
                kid=kid,
                algorithm=ALGORITHM,
                private_key=pem.decode(),
                public_jwk=public_jwk,
                created_at=utcnow(),
            )
        )
        return kid
