"""Profiles stored in the users database."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.users.adapters.orm import profiles
from switchyard.users.domain.model import Profile, Role


class ProfileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: UUID) -> Profile | None:
        row = (await self._session.execute(select(profiles).where(profiles.c.id == user_id))).first()
        if row is None:
            return None
        values = row._asdict()
        return Profile(**{**values, "role": Role(values["role"])})

    async def add(self, profile: Profile) -> None:
        await self._session.execute(
            insert(profiles).values(
                id=profile.id,
                email=profile.email,
                username=profile.username,
                full_name=profile.full_name,
                role=profile.role.value,
                is_active=profile.is_active,
                email_verified=profile.email_verified,
                created_at=profile.created_at,
                updated_at=profile.updated_at,
            )
        )
