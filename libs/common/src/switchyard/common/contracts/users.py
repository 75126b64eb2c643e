"""Events published by the users service."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from switchyard.common.contracts.base import IntegrationEvent


class UserCreated(IntegrationEvent, frozen=True, kw_only=True):
    """A user profile exists for an account."""

    TYPE: ClassVar[str] = "users.user-created"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "user_id"

    user_id: UUID
    email: str
    username: str
    role: str


class UserDeleted(IntegrationEvent, frozen=True, kw_only=True):
    """A user was deleted; consumers drop what they hold about them."""

    TYPE: ClassVar[str] = "users.user-deleted"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "user_id"

    user_id: UUID
