"""The user profile: who a person is in the product."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID


class Role(StrEnum):
    USER = "user"
    MODERATOR = "moderator"
    ADMIN = "admin"


# Roles that may read other people's profiles.
STAFF = (Role.ADMIN, Role.MODERATOR)


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(eq=False)
class Profile:
    id: UUID
    email: str
    username: str
    full_name: str | None = None
    role: Role = Role.USER
    is_active: bool = True
    email_verified: bool = False
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    locale: str | None = None
    timezone: str | None = None
    # Bumped by every change; the ETag of the profile.
    version: int = 1

    @property
    def etag(self) -> str:
        return f'"{self.version}"'

    @property
    def is_active_admin(self) -> bool:
        return self.role is Role.ADMIN and self.is_active

    def touch(self) -> None:
        self.version += 1
        self.updated_at = now()
