"""Accounts and sessions: the credentials side of a person."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

# Re-exported: the roles are shared with ingest.
from switchyard.common.identities import ROLES as ROLES


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(eq=False)
class Account:
    id: UUID
    email: str
    username: str
    full_name: str | None = None
    email_verified: bool = False
    created_at: datetime = field(default_factory=utcnow)
    password_hash: str | None = None
    password_changed_at: datetime | None = None
    role: str = "user"
    is_active: bool = True
    # When the users service last (de)activated the account; an older decision arriving later loses.
    status_changed_at: datetime | None = None
    invited: bool = False
    totp_secret: str | None = None
    totp_enabled_at: datetime | None = None
    totp_last_step: int | None = None

    @property
    def roles(self) -> list[str]:
        return [self.role]

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    @property
    def totp_enabled(self) -> bool:
        return self.totp_enabled_at is not None and self.totp_secret is not None


@dataclass(eq=False)
class Session:
    """One login: the refresh tokens it rotates through and the access tokens they mint share its id."""

    id: UUID
    account_id: UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str | None = None
    ip: str | None = None
    revoked_at: datetime | None = None
    revoked_reason: str | None = None

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at
