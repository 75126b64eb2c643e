"""Commands the notifications service carries out."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from switchyard.notifications.domain.messages import EmailPlan, InboxPlan


@dataclass(frozen=True, slots=True)
class Notify:
    """What one source event asks for: an email, an inbox item, or both, for one person."""

    source_event_id: UUID
    user_id: UUID | None
    email: EmailPlan | None = None
    inbox: InboxPlan | None = None


@dataclass(frozen=True, slots=True)
class RememberRecipient:
    user_id: UUID
    email: str | None = None
    full_name: str | None = None
    locale: str | None = None


@dataclass(frozen=True, slots=True)
class EraseUserData:
    """Right to erasure: forget every delivery, inbox item, preference and address of the user."""

    user_id: UUID
