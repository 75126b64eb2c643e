"""Fakes of the notifications unit of work and inbox feed, for handler tests without I/O.

They mirror what the real repositories promise: one delivery per (source event, template), one
inbox item per (source event, user), recipients upserted field by field, tombstones of erased
users; ``after_commit`` callbacks run only on :meth:`FakeNotificationsUnitOfWork.commit`.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from uuid import UUID

import pytest

from switchyard.common.contracts import IntegrationEvent
from switchyard.notifications.domain.commands import RememberRecipient
from switchyard.notifications.domain.model import Category, Delivery, InboxItem


class FakeDeliveryRepository:
    def __init__(self) -> None:
        self.rows: list[Delivery] = []

    async def add(self, delivery: Delivery) -> bool:
        key = (delivery.source_event_id, delivery.template)
        if any((row.source_event_id, row.template) == key for row in self.rows):
            return False
        self.rows.append(delivery)
        return True

    async def add_many(self, new: list[Delivery]) -> None:
        for delivery in new:
            await self.add(delivery)

    async def for_source_event(self, source_event_id: UUID) -> list[Delivery]:
        return [row for row in self.rows if row.source_event_id == source_event_id]

    async def delete_for_user(self, user_id: UUID) -> int:
        kept = [row for row in self.rows if row.user_id != user_id]
        erased = len(self.rows) - len(kept)
        self.rows = kept
        return erased


class FakeInboxRepository:
    def __init__(self) -> None:
        self.items: list[InboxItem] = []
        self._seq = itertools.count(1)

    async def add(self, item: InboxItem) -> InboxItem | None:
        key = (item.source_event_id, item.user_id)
        if any((stored.source_event_id, stored.user_id) == key for stored in self.items):
            return None
        stored = replace(item, seq=next(self._seq))
        self.items.append(stored)
        return stored

    async def delete_for_user(self, user_id: UUID) -> None:
        self.items = [item for item in self.items if item.user_id != user_id]


class FakePreferenceRepository:
    def __init__(self) -> None:
        self.opted: dict[UUID, frozenset[Category]] = {}

    async def opted_out(self, user_id: UUID) -> frozenset[Category]:
        return self.opted.get(user_id, frozenset())

    async def opted_out_of(self, user_ids: Iterable[UUID]) -> dict[UUID, frozenset[Category]]:
        return {user_id: self.opted[user_id] for user_id in user_ids if user_id in self.opted}

    async def delete(self, user_id: UUID) -> None:
        self.opted.pop(user_id, None)


class FakeRecipientRepository:
    def __init__(self) -> None:
        self.known: dict[UUID, tuple[str, str | None, str | None]] = {}

    async def remember(self, commands: list[RememberRecipient]) -> None:
        for command in commands:
            email, full_name, locale = self.known.get(command.user_id, ("", None, None))
            self.known[command.user_id] = (
                command.email if command.email is not None else email,
                command.full_name if command.full_name is not None else full_name,
                command.locale if command.locale is not None else locale,
            )

    async def get(self, user_id: UUID) -> tuple[str, str | None, str | None] | None:
        found = self.known.get(user_id)
        return found if found is not None and found[0] else None

    async def locales(self, user_ids: Iterable[UUID]) -> dict[UUID, str]:
        found = {user_id: self.known[user_id][2] for user_id in user_ids if user_id in self.known}
        return {user_id: locale for user_id, locale in found.items() if locale is not None}

    async def delete(self, user_id: UUID) -> None:
        self.known.pop(user_id, None)


class FakeErasedUsers:
    def __init__(self) -> None:
        self.ids: set[UUID] = set()

    async def record(self, user_id: UUID) -> None:
        self.ids.add(user_id)

    async def contains(self, user_id: UUID) -> bool:
        return user_id in self.ids

    async def among(self, user_ids: Iterable[UUID]) -> set[UUID]:
        return set(user_ids) & self.ids


class FakeNotificationsUnitOfWork:
    """The repositories of the real unit of work, its outbox (``events``) and after-commit hooks."""

    def __init__(self) -> None:
        self.deliveries = FakeDeliveryRepository()
        self.inbox = FakeInboxRepository()
        self.preferences = FakePreferenceRepository()
        self.recipients = FakeRecipientRepository()
        self.erased = FakeErasedUsers()
        self.events: list[IntegrationEvent] = []
        self.commits = 0
        self._after_commit: list[Callable[[], Awaitable[None]]] = []

    def add_event(self, event: IntegrationEvent) -> None:
        self.events.append(event)

    def after_commit(self, callback: Callable[[], Awaitable[None]]) -> None:
        self._after_commit.append(callback)

    async def commit(self) -> None:
        self.commits += 1
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            await callback()


class FakeInboxFeed:
    """Records what would be pushed to live streams."""

    def __init__(self) -> None:
        self.published: list[InboxItem] = []

    async def publish(self, item: InboxItem) -> None:
        self.published.append(item)


@pytest.fixture
def uow() -> FakeNotificationsUnitOfWork:
    return FakeNotificationsUnitOfWork()


@pytest.fixture
def feed() -> FakeInboxFeed:
    return FakeInboxFeed()
