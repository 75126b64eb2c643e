"""Events published by the auth service."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from switchyard.common.contracts.base import IntegrationEvent


class AccountRegistered(IntegrationEvent, frozen=True, kw_only=True):
    """An account was created, by self sign-up or by invitation."""

    TYPE: ClassVar[str] = "auth.account-registered"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "account_id"

    account_id: UUID
    email: str
    username: str
    full_name: str | None
    email_verified: bool
    invited: bool
