"""Onboarded users stored in the ingest database."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.common.db.bulk import BulkInsert
from switchyard.ingest.adapters.orm import onboarded_users
from switchyard.ingest.domain.model import OnboardedUser

_ADD_MANY = BulkInsert(onboarded_users, ("user_id", "email", "username"), skip_conflicts=True)


class OnboardedUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_many(self, users: Sequence[OnboardedUser]) -> None:
        await _ADD_MANY.run(self._session, [(user.user_id, user.email, user.username) for user in users])

    async def delete(self, user_id: UUID) -> OnboardedUser | None:
        """Forget the user; what was recorded of them, if anything."""
        columns = onboarded_users.c
        statement = (
            delete(onboarded_users)
            .where(columns.user_id == user_id)
            .returning(columns.user_id, columns.email, columns.username)
        )
        row = (await self._session.execute(statement)).first()
        if row is None:
            return None
        return OnboardedUser(user_id=row.user_id, email=row.email, username=row.username)

    async def get(self, user_id: UUID) -> OnboardedUser | None:
        columns = onboarded_users.c
        query = select(columns.user_id, columns.email, columns.username).where(columns.user_id == user_id)
        row = (await self._session.execute(query)).first()
        if row is None:
            return None
        return OnboardedUser(user_id=row.user_id, email=row.email, username=row.username)
