"""Single-use tokens (email verification, password reset, invitation) and TOTP backup codes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal
from uuid import UUID

from sqlalchemy import delete, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.auth.adapters.orm import backup_codes, one_time_tokens

type Purpose = Literal["verify-email", "reset-password", "invitation"]


class OneTimeTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def add_many(
        self, tokens: Sequence[tuple[bytes, UUID]], *, purpose: Purpose, now: datetime, expires_at: datetime
    ) -> None:
        """(digest, account id) pairs, one statement."""
        await self._db.execute(
            insert(one_time_tokens),
            [
                {
                    "token_hash": token_hash,
                    "purpose": purpose,
                    "account_id": account_id,
                    "created_at": now,
                    "expires_at": expires_at,
                }
                for token_hash, account_id in tokens
            ],
        )

    async def add(
        self, token_hash: bytes, *, purpose: Purpose, account_id: UUID, now: datetime, expires_at: datetime
    ) -> None:
        await self._db.execute(
            insert(one_time_tokens).values(
                token_hash=token_hash,
                purpose=purpose,
                account_id=account_id,
                created_at=now,
                expires_at=expires_at,
            )
        )

    async def consume(self, token_hash: bytes, *, purpose: Purpose, now: datetime) -> UUID | None:
        """Use the token once: the account it was for, or None when unknown, used or expired."""
        result = await self._db.execute(
            update(one_time_tokens)
            .where(one_time_tokens.c.token_hash == token_hash, one_time_tokens.c.purpose == purpose)
            .where(one_time_tokens.c.used_at.is_(None), one_time_tokens.c.expires_at > now)
            .values(used_at=now)
            .returning(one_time_tokens.c.account_id)
        )
        account_id: UUID | None = result.scalar_one_or_none()
        return account_id

    async def invalidate(self, account_id: UUID, *, purpose: Purpose, now: datetime) -> None:
        """Earlier tokens of this purpose stop working (a new one was issued, or the goal was reached)."""
        await self._db.execute(
            update(one_time_tokens)
            .where(one_time_tokens.c.account_id == account_id, one_time_tokens.c.purpose == purpose)
            .where(one_time_tokens.c.used_at.is_(None))
            .values(used_at=now)
        )


class BackupCodeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def replace(self, account_id: UUID, code_hashes: list[bytes]) -> None:
        await self._db.execute(delete(backup_codes).where(backup_codes.c.account_id == account_id))
        if code_hashes:
            await self._db.execute(
                insert(backup_codes), [{"account_id": account_id, "code_hash": h} for h in code_hashes]
            )

    async def consume(self, account_id: UUID, code_hash: bytes, now: datetime) -> bool:
        result = await self._db.execute(
            update(backup_codes)
            .where(backup_codes.c.account_id == account_id, backup_codes.c.code_hash == code_hash)
            .where(backup_codes.c.used_at.is_(None))
            .values(used_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
