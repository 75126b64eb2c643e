"""Accounts stored in the auth database."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.auth.adapters.orm import accounts
from switchyard.auth.domain.model import Account


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, account_id: UUID) -> Account | None:
        row = (await self._session.execute(select(accounts).where(accounts.c.id == account_id))).first()
        return None if row is None else Account(**row._asdict())

    async def add(self, account: Account) -> None:
        await self._session.execute(
            insert(accounts).values(
                id=account.id,
                email=account.email,
                username=account.username,
                full_name=account.full_name,
                email_verified=account.email_verified,
                created_at=account.created_at,
            )
        )

    async def delete(self, account_id: UUID) -> None:
        await self._session.execute(delete(accounts).where(accounts.c.id == account_id))
