"""The users unit of work: profiles plus the outbox, in one transaction."""

from __future__ import annotations

from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchyard.common.db import SqlAlchemyUnitOfWork
from switchyard.users.adapters.repository import ProfileRepository


class UsersUnitOfWork(SqlAlchemyUnitOfWork):
    profiles: ProfileRepository

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(session_factory, source="users")

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.profiles = ProfileRepository(self.session)
        return self
