"""A delivery: one message to one recipient, caused by one source event."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID, uuid4


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"


@dataclass(eq=False)
class Delivery:
    recipient: str
    template: str
    source_event_id: UUID
    user_id: UUID | None = None
    id: UUID = field(default_factory=uuid4)
    status: DeliveryStatus = DeliveryStatus.QUEUED
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
