"""The ingest unit of work: imports, onboarding records and the outbox, in one transaction."""

from __future__ import annotations

from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchyard.common.db import ErasedUsers, SqlAlchemyUnitOfWork
from switchyard.ingest.adapters.imports import ImportRepository
from switchyard.ingest.adapters.orm import erased_users
from switchyard.ingest.adapters.repository import OnboardedUserRepository


class IngestUnitOfWork(SqlAlchemyUnitOfWork):
    onboarded: OnboardedUserRepository
    erased: ErasedUsers
    imports: ImportRepository

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(session_factory, source="ingest")

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.onboarded = OnboardedUserRepository(self.session)
        self.erased = ErasedUsers(self.session, erased_users)
        self.imports = ImportRepository(self.session)
        return self
