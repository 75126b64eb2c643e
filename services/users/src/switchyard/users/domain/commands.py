"""Commands the users service carries out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from switchyard.users.domain.model import Role


@dataclass(frozen=True, slots=True)
class CreateProfile:
    user_id: UUID
    email: str
    username: str
    full_name: str | None
    email_verified: bool
    role: Role = Role.USER


@dataclass(frozen=True, slots=True)
class UpdateMyProfile:
    """Only the fields given change; ``None`` clears one."""

    user_id: UUID
    changes: Mapping[str, str | None]


@dataclass(frozen=True, slots=True)
class ChangeUserAccess:
    """An admin changes role and/or activity; ``expected_version`` is the If-Match of the request."""

    user_id: UUID
    expected_version: int
    role: Role | None = None
    is_active: bool | None = None


@dataclass(frozen=True, slots=True)
class DeleteUser:
    user_id: UUID


@dataclass(frozen=True, slots=True)
class MarkEmailVerified:
    user_id: UUID
