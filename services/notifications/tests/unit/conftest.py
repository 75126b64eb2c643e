"""A fake unit of work for the notifications handlers: deliveries in a list (queued and erased)."""

from __future__ import annotations

from uuid import UUID

import pytest

from switchyard.notifications.domain.model import Delivery


class FakeDeliveryRepository:
    def __init__(self) -> None:
        self.rows: list[Delivery] = []

    async def add(self, delivery: Delivery) -> bool:
        # Mirrors the table's unique constraint on (source_event_id, template).
        key = (delivery.source_event_id, delivery.template)
        if any((row.source_event_id, row.template) == key for row in self.rows):
            return False
        self.rows.append(delivery)
        return True

    async def delete_for_user(self, user_id: UUID) -> int:
        kept = [row for row in self.rows if row.user_id != user_id]
        erased = len(self.rows) - len(kept)
        self.rows = kept
        return erased


class FakeErasedUsers:
    def __init__(self) -> None:
        self.ids: set[UUID] = set()

    async def record(self, user_id: UUID) -> None:
        self.ids.add(user_id)

    async def contains(self, user_id: UUID) -> bool:
        return user_id in self.ids


class FakeNotificationsUnitOfWork:
    """What the handlers touch; transactions are the subscriber's concern, not the handler's."""

    def __init__(self) -> None:
        self.deliveries = FakeDeliveryRepository()
        self.erased = FakeErasedUsers()


@pytest.fixture
def uow() -> FakeNotificationsUnitOfWork:
    return FakeNotificationsUnitOfWork()
