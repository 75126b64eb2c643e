"""The auth unit of work: accounts, sessions and tokens plus the outbox, in one transaction."""

from __future__ import annotations

from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchyard.auth.adapters.one_time_tokens import BackupCodeRepository, OneTimeTokenRepository
from switchyard.auth.adapters.repository import AccountRepository
from switchyard.auth.adapters.sessions import SessionRepository
from switchyard.common.db import SqlAlchemyUnitOfWork


class AuthUnitOfWork(SqlAlchemyUnitOfWork):
    accounts: AccountRepository
    sessions: SessionRepository
    one_time_tokens: OneTimeTokenRepository
    backup_codes: BackupCodeRepository

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(session_factory, source="auth")

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.accounts = AccountRepository(self.session)
        self.sessions = SessionRepository(self.session)
        self.one_time_tokens = OneTimeTokenRepository(self.session)
        self.backup_codes = BackupCodeRepository(self.session)
        return self
