"""Per-user notification preferences: the categories a person opted out of."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.notifications.adapters.orm import preferences
from switchyard.notifications.domain.model import Category


class PreferenceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def opted_out(self, user_id: UUID) -> frozenset[Category]:
        query = select(preferences.c.opted_out).where(preferences.c.user_id == user_id)
        value = (await self._session.execute(query)).scalar_one_or_none()
        return frozenset(Category(c) for c in value or () if c in Category.__members__.values())

    async def delete(self, user_id: UUID) -> None:
        await self._session.execute(delete(preferences).where(preferences.c.user_id == user_id))
