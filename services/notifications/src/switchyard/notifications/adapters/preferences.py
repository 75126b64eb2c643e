"""Per-user notification preferences: the categories a person opted out of."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
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

    async def opted_out_of(self, user_ids: Iterable[UUID]) -> dict[UUID, frozenset[Category]]:
        """The opt-outs of those of ``user_ids`` who have any, with one query."""
        wanted = list(user_ids)
        if not wanted:
            return {}
        query = select(preferences.c.user_id, preferences.c.opted_out).where(
            preferences.c.user_id.in_(wanted)
        )
        return {
            row.user_id: frozenset(
                Category(c) for c in row.opted_out or () if c in Category.__members__.values()
            )
            for row in await self._session.execute(query)
        }

    async def delete(self, user_id: UUID) -> None:
        await self._session.execute(delete(preferences).where(preferences.c.user_id == user_id))

    async def put(self, user_id: UUID, opted_out: frozenset[Category]) -> None:
        """Replace the categories the user opted out of."""
        names = sorted(category.value for category in opted_out)
        statement = insert(preferences).values(user_id=user_id, opted_out=names)
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[preferences.c.user_id], set_={"opted_out": names, "updated_at": func.now()}
            )
        )
