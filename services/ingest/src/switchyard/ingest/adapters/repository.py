"""Onboarded users stored in the ingest database."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.common.db.bulk import BulkInsert
from switchyard.ingest.adapters.orm import onboarded_users
from switchyard.ingest.domain.model import OnboardedUser

_ADD_MANY = BulkInsert(onboarded_users, ("user_id", "email"), skip_conflicts=True)


class OnboardedUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_many(self, users: Sequence[OnboardedUser]) -> None:
        await _ADD_MANY.run(self._session, [(user.user_id, user.email) for user in users])

    async def delete(self, user_id: UUID) -> None:
        await self._session.execute(delete(onboarded_users).where(onboarded_users.c.user_id == user_id))

    async def get(self, user_id: UUID) -> OnboardedUser | None:
        row = (
            await self._session.execute(
                select(onboarded_users.c.user_id, onboarded_users.c.email).where(
                    onboarded_users.c.user_id == user_id
                )
            )
        ).first()
        return None if row is None else OnboardedUser(user_id=row.user_id, email=row.email)
