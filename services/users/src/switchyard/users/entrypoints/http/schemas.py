"""Request and response bodies of the users HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from switchyard.users.domain.model import Profile, Role

_Text = Annotated[str, msgspec.Meta(max_length=400)]


class ProfileRead(msgspec.Struct, kw_only=True):
    id: UUID
    email: str
    username: str
    full_name: str | None
    role: str
    is_active: bool
    email_verified: bool
    locale: str | None
    timezone: str | None
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
            locale=profile.locale,
            timezone=profile.timezone,
            created_at=profile.created_at,
            updated_at=profile.updated_at,
        )


class ProfileUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``PATCH /me``: only the fields sent change; null clears one.

    email, username, role and is_active are listed so that sending them gets a 422 saying where
    they are changed instead of a generic "unknown field".
    """

    full_name: _Text | msgspec.UnsetType | None = msgspec.UNSET
    locale: _Text | msgspec.UnsetType | None = msgspec.UNSET
    timezone: _Text | msgspec.UnsetType | None = msgspec.UNSET
    email: _Text | msgspec.UnsetType | None = msgspec.UNSET
    username: _Text | msgspec.UnsetType | None = msgspec.UNSET
    role: _Text | msgspec.UnsetType | None = msgspec.UNSET
    is_active: bool | msgspec.UnsetType | None = msgspec.UNSET

    def changes(self) -> dict[str, str | None]:
        return {
            name: getattr(self, name)
            for name in self.__struct_fields__
            if getattr(self, name) is not msgspec.UNSET
        }


class AccessUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``PATCH /{id}`` (admin): role and/or is_active."""

    role: Role | msgspec.UnsetType = msgspec.UNSET
    is_active: bool | msgspec.UnsetType = msgspec.UNSET


class UserPage(msgspec.Struct, kw_only=True):
    items: list[ProfileRead]
    next_cursor: str | None
