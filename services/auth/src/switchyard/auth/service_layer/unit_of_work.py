"""The auth unit of work: accounts plus the outbox, in one transaction."""

from __future__ import annotations

from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchyard.auth.adapters.repository import AccountRepository
from switchyard.common.db import SqlAlchemyUnitOfWork


class AuthUnitOfWork(SqlAlchemyUnitOfWork):
    accounts: AccountRepository

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(session_factory, source="auth")

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.accounts = AccountRepository(self.session)
        return self
