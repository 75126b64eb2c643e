"""Events published by the auth service.

Events that carry a one-time ``token`` (verification, reset, invitation) exist so that the
notifications service can put a link in an email; only a SHA-256 hash of the token stays in auth.
Their topics are readable by notifications alone (see docs/auth.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

import msgspec

from switchyard.common.contracts.base import IntegrationEvent


class AccountRegistered(IntegrationEvent, frozen=True, kw_only=True):
    """An account was created, by self sign-up, by invitation or as the bootstrap admin."""

    TYPE: ClassVar[str] = "auth.account-registered"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "account_id"

    account_id: UUID
    email: str
    username: str
    full_name: str | None
    email_verified: bool
    invited: bool
    role: str = "user"


class EmailVerificationRequested(IntegrationEvent, frozen=True, kw_only=True):
    """A new account (or its owner, asking again) needs the email verification link."""

    TYPE: ClassVar[str] = "auth.email-verification-requested"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "account_id"

    account_id: UUID
    email: str
    username: str
    token: str
    expires_at: datetime
    resent: bool


class EmailVerified(IntegrationEvent, frozen=True, kw_only=True):
    """The account's owner proved they read its email address."""

    TYPE: ClassVar[str] = "auth.email-verified"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "account_id"

    account_id: UUID
    email: str


class PasswordResetRequested(IntegrationEvent, frozen=True, kw_only=True):
    """Someone asked to reset the password of an existing account: mail the single-use link."""

    TYPE: ClassVar[str] = "auth.password-reset-requested"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "account_id"

    account_id: UUID
    email: str
    username: str
    token: str
    expires_at: datetime


class PasswordChanged(IntegrationEvent, frozen=True, kw_only=True):
    """The password was changed by its owner or reset by link: a security notice."""

    TYPE: ClassVar[str] = "auth.password-changed"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "account_id"

    account_id: UUID
    email: str
    reason: Literal["changed", "reset", "invitation-accepted"]
    changed_at: datetime


class AccountLocked(IntegrationEvent, frozen=True, kw_only=True):
    """Too many failed logins: the account refuses logins until ``locked_until``."""

    TYPE: ClassVar[str] = "auth.account-locked"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "account_id"

    account_id: UUID
    email: str
    failed_attempts: int
    locked_until: datetime


class DuplicateRegistrationAttempted(IntegrationEvent, frozen=True, kw_only=True):
    """Someone tried to register an existing email (enumeration-safe registration tells the owner)."""

    TYPE: ClassVar[str] = "auth.duplicate-registration-attempted"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "account_id"

    account_id: UUID
    email: str


class InvitationIssued(IntegrationEvent, frozen=True, kw_only=True):
    """An imported person was given an account without a password: mail the accept link."""

    TYPE: ClassVar[str] = "auth.invitation-issued"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "account_id"

    account_id: UUID
    email: str
    username: str
    full_name: str | None
    token: str
    expires_at: datetime
    import_id: UUID


class ImportRowOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """What became of one import row: an invited account was created, or why not.

    A created row names its account and the account's (normalised) email and username, so that
    the importer can tell whom it onboarded without also reading every user-created event, and what
    of its files to forget when that person is erased.
    """

    row_number: int
    outcome: Literal["created", "rejected"]
    account_id: UUID | None = None
    email: str | None = None
    username: str | None = None
    code: str | None = None
    field: str | None = None
    message: str | None = None


class ImportRowsProcessed(IntegrationEvent, frozen=True, kw_only=True):
    """Auth's answers to rows of one import it applied together, one outcome per row.

    One event per batch rather than per row: an import of a million rows would otherwise double
    auth's outbox traffic for answers only ingest reads.
    """

    TYPE: ClassVar[str] = "auth.import-rows-processed"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "import_id"

    import_id: UUID
    rows: list[ImportRowOutcome]
