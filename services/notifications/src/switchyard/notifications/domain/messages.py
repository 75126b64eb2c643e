"""What each event becomes: an email (template, category, context) and/or an inbox item (pure).

Links are built from the one configured public URL (``Links``); templates receive only finished
links, never tokens to assemble.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from uuid import UUID

from switchyard.notifications.domain.model import Category


@dataclass(frozen=True, slots=True)
class Links:
    public_url: str

    def _to(self, path: str, **query: str) -> str:
        base = self.public_url.rstrip("/")
        params = "&".join(f"{key}={quote(value, safe='')}" for key, value in query.items())
        return f"{base}{path}" + (f"?{params}" if params else "")

    def verify_email(self, token: str) -> str:
        return self._to("/verify-email", token=token)

    def reset_password(self, token: str | None = None) -> str:
        return self._to("/reset-password", token=token) if token else self._to("/forgot-password")

    def accept_invitation(self, token: str) -> str:
        return self._to("/accept-invitation", token=token)

    def login(self) -> str:
        return self._to("/login")

    def import_page(self, import_id: UUID) -> str:
        return self._to(f"/imports/{import_id}")


@dataclass(frozen=True, slots=True)
class EmailPlan:
    recipient: str
    template: str
    category: Category
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class InboxPlan:
    category: Category
    title: str
    body: str
    link: str | None = None


def when(moment: datetime) -> str:
    """Dates in inbox texts: UTC, to the minute."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
