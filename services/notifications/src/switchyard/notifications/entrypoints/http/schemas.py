"""Request and response bodies of the notifications HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from switchyard.notifications.domain.model import MANDATORY, Category, Delivery, InboxItem

_CategoryName = Annotated[str, msgspec.Meta(max_length=64)]


class InboxItemRead(msgspec.Struct, kw_only=True):
    id: UUID
    # Increasing with every new item: the stream's event id.
    seq: int
    category: str
    title: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, item: InboxItem) -> InboxItemRead:
        return cls(
            id=item.id,
            seq=item.seq or 0,
            category=item.category.value,
            title=item.title,
            body=item.body,
            link=item.link,
            created_at=item.created_at,
            read_at=item.read_at,
        )


class InboxPage(msgspec.Struct, kw_only=True):
    items: list[InboxItemRead]
    next_cursor: str | None


class CategoryRead(msgspec.Struct, kw_only=True):
    name: str
    # Security and account messages always go out.
    mandatory: bool


class PreferencesRead(msgspec.Struct, kw_only=True):
    opted_out: list[str]
    categories: list[CategoryRead]

    @classmethod
    def of(cls, opted_out: frozenset[Category]) -> PreferencesRead:
        return cls(
            opted_out=sorted(category.value for category in opted_out),
            categories=[CategoryRead(name=c.value, mandatory=c in MANDATORY) for c in Category],
        )


class PreferencesUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``PUT /preferences``: every category to opt out of (the rest are received)."""

    opted_out: Annotated[list[_CategoryName], msgspec.Meta(max_length=32)]


class DeliveryRead(msgspec.Struct, kw_only=True):
    """A delivery log entry; never the render context, which holds one-time tokens."""

    id: UUID
    user_id: UUID | None
    recipient: str
    template: str
    category: str
    source_event_id: UUID
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryRead:
        return cls(
            id=delivery.id,
            user_id=delivery.user_id,
            recipient=delivery.recipient,
            template=delivery.template,
            category=delivery.category.value,
            source_event_id=delivery.source_event_id,
            status=delivery.status.value,
            attempts=delivery.attempts,
            last_error=delivery.last_error,
            created_at=delivery.created_at,
            sent_at=delivery.sent_at,
            next_attempt_at=delivery.next_attempt_at,
        )


class DeliveryPage(msgspec.Struct, kw_only=True):
    items: list[DeliveryRead]
    next_cursor: str | None
