"""The delivery log for admins: reading it, and sending a failed email again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from switchyard.notifications.domain.model import Delivery, DeliveryStatus
from switchyard.notifications.service_layer.unit_of_work import NotificationsUnitOfWork


class DeliveryNotFound(Exception):
    pass


class DeliveryNotRetryable(Exception):
    """Only a failed delivery is retried: a queued one is pending already, a sent one went out."""


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page of the log ended (newest first): the last entry's creation time and id."""

    created_at: datetime
    id: UUID


@dataclass(frozen=True, slots=True)
class DeliveryPage:
    items: list[Delivery]
    following: Position | None


async def list_deliveries(
    uow: NotificationsUnitOfWork, *, status: DeliveryStatus | None, after: Position | None, limit: int
) -> DeliveryPage:
    async with uow:
        rows = await uow.deliveries.list(
            status=status,
            after=None if after is None else after.created_at,
            after_id=None if after is None else after.id,
            limit=limit + 1,
        )
    items = rows[:limit]
    if len(rows) <= limit:
        return DeliveryPage(items=items, following=None)
    return DeliveryPage(items=items, following=Position(items[-1].created_at, items[-1].id))


async def retry_delivery(uow: NotificationsUnitOfWork, *, delivery_id: UUID) -> Delivery:
    """Queue a failed delivery again, due now; the sender takes it from there."""
    requeued = await uow.deliveries.requeue(delivery_id, datetime.now(UTC))
    if requeued is not None:
        return requeued
    current = await uow.deliveries.get(delivery_id)
    if current is None:
        raise DeliveryNotFound("No delivery with this id.")
    raise DeliveryNotRetryable(f"Only a failed delivery can be retried; this one is {current.status.value}.")
