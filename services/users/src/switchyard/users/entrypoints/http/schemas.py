"""Response bodies of the users HTTP API."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from switchyard.users.domain.model import Profile


class ProfileRead(msgspec.Struct, kw_only=True):
    id: UUID
    email: str
    username: str
    full_name: str | None
    role: str
    is_active: bool
    email_verified: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, profile: Profile) -> ProfileRead:
        return cls(
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
