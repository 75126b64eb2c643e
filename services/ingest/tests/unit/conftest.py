"""A fake unit of work for the ingest handlers: onboarded users in a dict, quoted identities in a set."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import pytest

from switchyard.ingest.domain.model import OnboardedUser


class FakeOnboardedUserRepository:
    def __init__(self) -> None:
        self.rows: dict[UUID, OnboardedUser] = {}

    async def add_many(self, users: list[OnboardedUser]) -> None:
        # Mirrors ON CONFLICT DO NOTHING: the first record of a user stays.
        for user in users:
            self.rows.setdefault(user.user_id, user)

    async def delete(self, user_id: UUID) -> OnboardedUser | None:
        return self.rows.pop(user_id, None)

    async def get(self, user_id: UUID) -> OnboardedUser | None:
        return self.rows.get(user_id)


class FakeErasedUsers:
    def __init__(self) -> None:
        self.ids: set[UUID] = set()

    async def record(self, user_id: UUID) -> None:
        self.ids.add(user_id)

    async def among(self, user_ids: Iterable[UUID]) -> set[UUID]:
        return set(user_ids) & self.ids


class FakeImports:
    """The duplicate rows' quoted emails and usernames, and those forgotten."""

    def __init__(self) -> None:
        self.quoted: set[str] = set()
        self.forgotten: set[str] = set()

    async def forget_quoted(self, identities: list[str]) -> None:
        self.forgotten |= self.quoted & set(identities)
        self.quoted -= set(identities)


class FakeIngestUnitOfWork:
    """What the handlers touch; transactions are the subscriber's concern, not the handler's."""

    def __init__(self) -> None:
        self.onboarded = FakeOnboardedUserRepository()
        self.erased = FakeErasedUsers()
        self.imports = FakeImports()


@pytest.fixture
def uow() -> FakeIngestUnitOfWork:
    return FakeIngestUnitOfWork()
