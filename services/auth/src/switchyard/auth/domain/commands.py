"""Commands the auth service carries out: what a request or an event asks for, already parsed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Who is on the other end of a request, for the session list."""

    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class RegisterAccount:
    account_id: UUID
    email: str
    username: str
    password: str
    full_name: str | None = None
    role: str = "user"
    email_verified: bool = False


@dataclass(frozen=True, slots=True)
class LogIn:
    """OAuth 2.0 password grant; ``otp`` is a TOTP or backup code when two-factor is on."""

    login: str
    password: str
    client: ClientInfo
    otp: str | None = None


@dataclass(frozen=True, slots=True)
class RefreshSession:
    refresh_token: str
    client: ClientInfo


@dataclass(frozen=True, slots=True)
class LogOut:
    account_id: UUID
    session_id: UUID


@dataclass(frozen=True, slots=True)
class RevokeRefreshToken:
    refresh_token: str


@dataclass(frozen=True, slots=True)
class EndSession:
    account_id: UUID
    session_id: UUID


@dataclass(frozen=True, slots=True)
class ChangePassword:
    account_id: UUID
    session_id: UUID | None
    current_password: str
    new_password: str


@dataclass(frozen=True, slots=True)
class RequestPasswordReset:
    email: str


@dataclass(frozen=True, slots=True)
class ResetPassword:
    token: str
    new_password: str


@dataclass(frozen=True, slots=True)
class VerifyEmail:
    token: str


@dataclass(frozen=True, slots=True)
class ResendVerification:
    account_id: UUID


@dataclass(frozen=True, slots=True)
class StartTotpEnrolment:
    account_id: UUID
    password: str


@dataclass(frozen=True, slots=True)
class ConfirmTotp:
    account_id: UUID
    code: str


@dataclass(frozen=True, slots=True)
class DisableTotp:
    account_id: UUID
    password: str


@dataclass(frozen=True, slots=True)
class AcceptInvitation:
    token: str
    password: str


@dataclass(frozen=True, slots=True)
class InviteAccount:
    """One import row: create an invited account (no password) or say why not."""

    import_id: UUID
    row_number: int
    email: str
    username: str
    full_name: str | None
    role: str
    notify: bool


@dataclass(frozen=True, slots=True)
class ChangeRole:
    account_id: UUID
    role: str


@dataclass(frozen=True, slots=True)
class DeactivateAccount:
    """``occurred_at``: when the users service decided, so a late, older decision loses."""

    account_id: UUID
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class ReactivateAccount:
    """``occurred_at``: when the users service decided, so a late, older decision loses."""

    account_id: UUID
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class EraseAccount:
    account_id: UUID
