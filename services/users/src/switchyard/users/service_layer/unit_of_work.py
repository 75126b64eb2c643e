"""The users unit of work: profiles plus the outbox, in one transaction."""

from __future__ import annotations

from typing import Self
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchyard.common.db import SqlAlchemyUnitOfWork
from switchyard.users.adapters.cache import ProfileCache
from switchyard.users.adapters.repository import ProfileRepository


class UsersUnitOfWork(SqlAlchemyUnitOfWork):
    """Every change to a profile drops its cached copy once the change has committed."""

    profiles: ProfileRepository

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], cache: ProfileCache) -> None:
        super().__init__(session_factory, source="users")
        self.cache = cache

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.profiles = ProfileRepository(self.session)
        return self

    def changed(self, *user_ids: UUID) -> None:
        """Mark these profiles changed in this transaction (their cache entries go once it commits)."""
        if user_ids:
            self.after_commit(lambda: self.cache.invalidate(*user_ids))
