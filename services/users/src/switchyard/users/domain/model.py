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


def _now() -> datetime:
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
    created_at: datetime = field(default_factory=_now)
    updated_at: datetime = field(default_factory=_now)
