"""Commands the users service carries out."""

from __future__ import annotations

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
