"""A fake unit of work for the auth handlers: accounts in a dict, events in a list."""

from __future__ import annotations

from uuid import UUID

import pytest

from switchyard.auth.domain.model import Account
from switchyard.common.contracts import IntegrationEvent


class FakeAccountRepository:
    def __init__(self) -> None:
        self.rows: dict[UUID, Account] = {}

    async def get(self, account_id: UUID) -> Account | None:
        return self.rows.get(account_id)

    async def add(self, account: Account) -> None:
        assert account.id not in self.rows, "the primary key would reject a second row"
        self.rows[account.id] = account

    async def delete(self, account_id: UUID) -> None:
        self.rows.pop(account_id, None)


class FakeAuthUnitOfWork:
    """What the handlers touch; transactions are the caller's concern, not the handler's."""

    def __init__(self) -> None:
        self.accounts = FakeAccountRepository()
        self.events: list[IntegrationEvent] = []

    def add_event(self, event: IntegrationEvent) -> None:
        self.events.append(event)


@pytest.fixture
def uow() -> FakeAuthUnitOfWork:
    return FakeAuthUnitOfWork()
