"""Sessions and the refresh tokens they rotate through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.auth.adapters.orm import refresh_tokens, sessions
from switchyard.auth.domain.model import Session

type Exchange = Literal["exchanged", "reused", "reused-within-interval", "unknown"]


@dataclass(frozen=True, slots=True)
class RefreshExchange:
    outcome: Exchange
    session_id: UUID | None = None


class SessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def add(self, login: Session) -> None:
        await self._db.execute(
            insert(sessions).values(
                id=login.id,
                account_id=login.account_id,
                user_agent=login.user_agent,
                ip=login.ip,
                created_at=login.created_at,
                last_used_at=login.last_used_at,
                expires_at=login.expires_at,
            )
        )

    async def get(self, session_id: UUID, *, for_update: bool = False) -> Session | None:
        query = select(sessions).where(sessions.c.id == session_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._db.execute(query)).mappings().first()
        return None if row is None else Session(**row)

    async def list_live(self, account_id: UUID, now: datetime) -> list[Session]:
        query = (
            select(sessions)
            .where(sessions.c.account_id == account_id, sessions.c.revoked_at.is_(None))
            .where(sessions.c.expires_at > now)
            .order_by(sessions.c.last_used_at.desc())
        )
        return [Session(**row) for row in (await self._db.execute(query)).mappings()]

    async def touch(self, session_id: UUID, now: datetime, *, ip: str | None, user_agent: str | None) -> None:
        await self._db.execute(
            update(sessions)
            .where(sessions.c.id == session_id)
            .values(last_used_at=now, ip=ip, user_agent=user_agent)
        )

    async def revoke(
        self,
        account_id: UUID,
        now: datetime,
        reason: str,
        *,
        only: UUID | None = None,
        keep: UUID | None = None,
    ) -> list[UUID]:
        """Revoke the account's live sessions (just ``only``, or all but ``keep``); returns their ids."""
        condition = and_(sessions.c.account_id == account_id, sessions.c.revoked_at.is_(None))
        if only is not None:
            condition = and_(condition, sessions.c.id == only)
        if keep is not None:
            condition = and_(condition, sessions.c.id != keep)
        result = await self._db.execute(
            update(sessions)
            .where(condition)
            .values(revoked_at=now, revoked_reason=reason)
            .returning(sessions.c.id)
        )
        revoked = list(result.scalars())
        if revoked:
            await self._db.execute(delete(refresh_tokens).where(refresh_tokens.c.session_id.in_(revoked)))
        return revoked

    async def add_refresh_token(
        self, token_hash: bytes, session_id: UUID, now: datetime, expires_at: datetime
    ) -> None:
        await self._db.execute(
            insert(refresh_tokens).values(
                token_hash=token_hash, session_id=session_id, issued_at=now, expires_at=expires_at
            )
        )

    async def exchange_refresh_token(
        self, token_hash: bytes, now: datetime, *, reuse_interval_s: int
    ) -> RefreshExchange:
        """Mark the token used; of two concurrent exchanges the row lock lets exactly one win."""
        result = await self._db.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.token_hash == token_hash, refresh_tokens.c.used_at.is_(None))
            .where(refresh_tokens.c.expires_at > now)
            .values(used_at=now)
            .returning(refresh_tokens.c.session_id)
        )
        session_id = result.scalar_one_or_none()
        if session_id is not None:
            return RefreshExchange("exchanged", session_id)
        row = (
            await self._db.execute(select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash))
        ).first()
        if row is None or row.used_at is None:
            return RefreshExchange("unknown")
        # With no interval every second presentation is reuse, also a concurrent one whose clock
        # reading came before the winner's (now - used_at < 0).
        if reuse_interval_s > 0 and now - row.used_at <= timedelta(seconds=reuse_interval_s):
            return RefreshExchange("reused-within-interval", row.session_id)
        return RefreshExchange("reused", row.session_id)

    async def session_of_refresh_token(self, token_hash: bytes) -> UUID | None:
        query = select(refresh_tokens.c.session_id).where(refresh_tokens.c.token_hash == token_hash)
        return (await self._db.execute(query)).scalar_one_or_none()
