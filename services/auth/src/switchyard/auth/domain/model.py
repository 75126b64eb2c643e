"""An account: the credentials side of a person."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID


@dataclass(eq=False)
class Account:
    id: UUID
    email: str
    username: str
    full_name: str | None = None
    email_verified: bool = False
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
