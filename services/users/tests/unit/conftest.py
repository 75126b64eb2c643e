"""A fake unit of work for the users handlers: profiles in a dict, events in a list."""

from __future__ import annotations

from uuid import UUID

import pytest

from switchyard.common.contracts import IntegrationEvent
from switchyard.users.domain.model import Profile


class FakeProfileRepository:
    def __init__(self) -> None:
        self.rows: dict[UUID, Profile] = {}

    async def get(self, user_id: UUID) -> Profile | None:
        return self.rows.get(user_id)

    async def add(self, profile: Profile) -> None:
        assert profile.id not in self.rows, "the primary key would reject a second row"
        self.rows[profile.id] = profile


class FakeUsersUnitOfWork:
    """What the handlers touch; transactions are the subscriber's concern, not the handler's."""

    def __init__(self) -> None:
        self.profiles = FakeProfileRepository()
        self.events: list[IntegrationEvent] = []
        self.changed_ids: list[UUID] = []

    def add_event(self, event: IntegrationEvent) -> None:
        self.events.append(event)

    def changed(self, user_id: UUID) -> None:
        self.changed_ids.append(user_id)


@pytest.fixture
def uow() -> FakeUsersUnitOfWork:
    return FakeUsersUnitOfWork()
