"""Request and response bodies of the auth HTTP API (the OAuth endpoints are form-encoded, see oauth.py).

String limits here only stop absurd input early; the real rules (password policy, username format)
live in the domain and answer with a precise 422.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

# Generous: a policy maximum of 128 characters can be 512 bytes of UTF-8; rejected in the domain.
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]
Token = Annotated[str, msgspec.Meta(min_length=1, max_length=512)]
Email = Annotated[str, msgspec.Meta(min_length=1, max_length=320)]


class AccountCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Email
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    password: Password
    full_name: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class AccountCreated(msgspec.Struct, kw_only=True):
    id: UUID
    email: str
    username: str


class RegistrationAccepted(msgspec.Struct, kw_only=True):
    """Enumeration-safe registration: the same answer whether or not the email was taken."""

    status: str = "accepted"
    detail: str = "If this email address can be registered, an email is on its way to it."


class TokenRead(msgspec.Struct, kw_only=True):
    access_token: str
    token_type: str
    expires_in: int
    refresh_token: str


class SessionRead(msgspec.Struct, kw_only=True):
    id: UUID
    user_agent: str | None
    ip: str | None
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    current: bool


class PasswordChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    current_password: Password
    new_password: Password


class PasswordForgot(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Email


class PasswordReset(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    token: Token
    new_password: Password


class EmailVerification(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    token: Token


class TotpStart(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    password: Password


class TotpEnrolmentRead(msgspec.Struct, kw_only=True):
    secret: str
    otpauth_uri: str


class TotpConfirm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=16)]


class BackupCodesRead(msgspec.Struct, kw_only=True):
    backup_codes: list[str]


class TotpDisable(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    password: Password


class InvitationAccept(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    token: Token
    password: Password
