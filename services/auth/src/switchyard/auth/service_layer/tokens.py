"""Minting tokens: a session's pair (signed access JWT, opaque rotating refresh token) and one-time tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from switchyard.auth.adapters.one_time_tokens import Purpose
from switchyard.auth.domain.commands import ClientInfo
from switchyard.auth.domain.model import Account, Session
from switchyard.auth.domain.secrets import new_token
from switchyard.auth.service_layer.context import AuthContext
from switchyard.auth.service_layer.unit_of_work import AuthUnitOfWork


async def issue_one_time_token(
    ctx: AuthContext, uow: AuthUnitOfWork, account_id: UUID, *, purpose: Purpose, ttl_s: int
) -> tuple[str, datetime]:
    """A single-use token for ``purpose`` (earlier unused ones stop working) and its expiry."""
    now = ctx.clock()
    expires_at = now + timedelta(seconds=ttl_s)
    token, token_digest = new_token()
    await uow.one_time_tokens.invalidate(account_id, purpose=purpose, now=now)
    await uow.one_time_tokens.add(
        token_digest, purpose=purpose, account_id=account_id, now=now, expires_at=expires_at
    )
    return token, expires_at


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str


def new_session(ctx: AuthContext, account: Account, client: ClientInfo, now: datetime) -> Session:
    return Session(
        id=uuid.uuid4(),
        account_id=account.id,
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(seconds=ctx.settings.refresh_token_ttl_s),
        user_agent=client.user_agent,
        ip=client.ip,
    )


async def issue_tokens(
    ctx: AuthContext, uow: AuthUnitOfWork, account: Account, session: Session, now: datetime
) -> TokenPair:
    """A fresh pair for ``session``; the refresh token is stored (hashed) in the caller's transaction."""
    refresh_token, digest = new_token()
    await uow.sessions.add_refresh_token(digest, session.id, now, session.expires_at)
    ttl = ctx.settings.access_token_ttl_s
    issued_at = int(now.timestamp())
    claims = {
        "iss": ctx.issuer,
        "aud": ctx.audience,
        "sub": str(account.id),
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + ttl,
        "jti": uuid.uuid4().hex,
        "sid": str(session.id),
        "roles": account.roles,
        "email_verified": account.email_verified,
    }
    return TokenPair(access_token=await ctx.keys.sign(claims), expires_in=ttl, refresh_token=refresh_token)
