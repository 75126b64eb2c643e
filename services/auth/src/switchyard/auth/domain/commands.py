"""Commands the auth service carries out."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, slots=True)
class RegisterAccount:
    account_id: UUID
    email: str
    username: str
    full_name: str | None = None


@dataclass(frozen=True, slots=True)
class EraseAccount:
    account_id: UUID
