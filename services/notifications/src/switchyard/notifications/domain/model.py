"""Deliveries (emails, one per source event and template) and inbox items (in-app notifications)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4


def now() -> datetime:
    return datetime.now(UTC)


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    # Not sent on purpose: the recipient opted out of the category.
    SUPPRESSED = "suppressed"


class Category(StrEnum):
    """What a message is about; people may opt out of every category but security and account."""

    SECURITY = "security"
    ACCOUNT = "account"
    IMPORTS = "imports"


MANDATORY = frozenset({Category.SECURITY, Category.ACCOUNT})
# Emails sent by the thousand; the sender takes them after every other due email.
BULK_TEMPLATES = frozenset({"invitation"})
BULK_PRIORITY = 1


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
    created_at: datetime = field(default_factory=now)
    category: Category = Category.ACCOUNT
    locale: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    next_attempt_at: datetime = field(default_factory=now)
    sent_at: datetime | None = None
    # Lower goes first: a bulk send (an import's invitations) must not hold up someone's reset link.
    priority: int = 0

    def __post_init__(self) -> None:
        if self.template in BULK_TEMPLATES:
            self.priority = max(self.priority, BULK_PRIORITY)


@dataclass(eq=False)
class InboxItem:
    user_id: UUID
    category: Category
    title: str
    body: str
    source_event_id: UUID
    link: str | None = None
    id: UUID = field(default_factory=uuid4)
    created_at: datetime = field(default_factory=now)
    read_at: datetime | None = None
    # Assigned by the database: the order of the inbox and the SSE event id.
    seq: int | None = None
