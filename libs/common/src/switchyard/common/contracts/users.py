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


class UserProfileUpdated(IntegrationEvent, frozen=True, kw_only=True):
    """A person edited their own profile; the values are the new ones (notifications reads locale)."""

    TYPE: ClassVar[str] = "users.profile-updated"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "user_id"

    user_id: UUID
    full_name: str | None
    locale: str | None
    timezone: str | None


class UserEmailVerified(IntegrationEvent, frozen=True, kw_only=True):
    """The profile now shows the email address as verified (following auth's email-verified)."""

    TYPE: ClassVar[str] = "users.email-verified"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "user_id"

    user_id: UUID


class UserRoleChanged(IntegrationEvent, frozen=True, kw_only=True):
    """An admin changed a user's role; tokens issued from now on carry it."""

    TYPE: ClassVar[str] = "users.role-changed"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "user_id"

    user_id: UUID
    role: str
    previous_role: str


class UserDeactivated(IntegrationEvent, frozen=True, kw_only=True):
    """An admin deactivated a user: sessions end and logins are refused."""

    TYPE: ClassVar[str] = "users.user-deactivated"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "user_id"

    user_id: UUID


class UserReactivated(IntegrationEvent, frozen=True, kw_only=True):
    """A deactivated user may log in again."""

    TYPE: ClassVar[str] = "users.user-reactivated"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "user_id"

    user_id: UUID


class UserDeleted(IntegrationEvent, frozen=True, kw_only=True):
    """A user was deleted; consumers drop what they hold about them."""

    TYPE: ClassVar[str] = "users.user-deleted"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "user_id"

    user_id: UUID
