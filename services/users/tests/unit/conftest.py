"""A fake unit of work for the users handlers: profiles in a dict, events in a list."""

from __future__ import annotations

import copy
from uuid import UUID

import pytest

from switchyard.common.contracts import IntegrationEvent
from switchyard.users.domain.model import Profile


class FakeProfileRepository:
    """Hands out copies, as the database does: a handler's change counts only once saved."""

    def __init__(self) -> None:
        self.rows: dict[UUID, Profile] = {}
        self.locked_for_update: list[UUID] = []
        self.admin_locks = 0

    async def get(self, user_id: UUID, *, for_update: bool = False) -> Profile | None:
        if for_update:
            self.locked_for_update.append(user_id)
        row = self.rows.get(user_id)
        return None if row is None else copy.copy(row)

    async def add(self, profile: Profile) -> None:
        assert profile.id not in self.rows, "the primary key would reject a second row"
        self.rows[profile.id] = profile

    async def add_new(self, new: list[Profile]) -> set[UUID]:
        inserted = set()
        for profile in new:
            if profile.id not in self.rows:
                self.rows[profile.id] = profile
                inserted.add(profile.id)
        return inserted

    async def save(self, profile: Profile) -> None:
        assert profile.id in self.rows, "an UPDATE of a missing row changes nothing"
        self.rows[profile.id] = copy.copy(profile)

    async def delete(self, user_id: UUID) -> None:
        self.rows.pop(user_id, None)

    async def lock_admins(self) -> int:
        self.admin_locks += 1
        return sum(1 for row in self.rows.values() if row.is_active_admin)


class FakeUsersUnitOfWork:
    """What the handlers touch; transactions are the subscriber's concern, not the handler's."""

    def __init__(self) -> None:
        self.profiles = FakeProfileRepository()
        self.events: list[IntegrationEvent] = []
        self.changed_ids: list[UUID] = []

    def add_event(self, event: IntegrationEvent) -> None:
        self.events.append(event)

    def changed(self, *user_ids: UUID) -> None:
        self.changed_ids.extend(user_ids)

    def put(self, profile: Profile) -> UUID:
        """Store ``profile`` as an existing row (read it back from ``profiles.rows``)."""
        self.profiles.rows[profile.id] = profile
        return profile.id


@pytest.fixture
def uow() -> FakeUsersUnitOfWork:
    return FakeUsersUnitOfWork()
