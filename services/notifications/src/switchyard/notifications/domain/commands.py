"""Commands the notifications service carries out."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, slots=True)
class QueueEmail:
    recipient: str
    template: str
    source_event_id: UUID
    user_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class EraseUserData:
    """Right to erasure: forget every delivery to or about the user."""

    user_id: UUID
