"""A fake unit of work for the auth handlers: accounts and sessions in dicts, events in a list;
and a fake denylist that records what it was told to refuse.

The fakes hand out copies, as a database would: a handler that changes an account but forgets to
save it leaves the stored row as it was.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime, timedelta
from uuid import UUID, uuid4

import pytest

from switchyard.auth.domain.model import Account, Session, utcnow
from switchyard.common.contracts import IntegrationEvent


class FakeSessionRepository:
    def __init__(self) -> None:
        self.rows: dict[UUID, Session] = {}

    def open(self, account_id: UUID, *, revoked: bool = False) -> Session:
        """Test helper: a live (or already revoked) session of ``account_id``."""
        now = utcnow()
        session = Session(
            id=uuid4(),
            account_id=account_id,
            created_at=now,
            last_used_at=now,
            expires_at=now + timedelta(days=30),
            revoked_at=now if revoked else None,
            revoked_reason="logout" if revoked else None,
        )
        self.rows[session.id] = session
        return session

    async def revoke(
        self,
        account_id: UUID,
        now: datetime,
        reason: str,
        *,
        only: UUID | None = None,
        keep: UUID | None = None,
    ) -> list[UUID]:
        revoked = []
        for session in self.rows.values():
            if session.account_id != account_id or session.revoked_at is not None:
                continue
            if (only is not None and session.id != only) or (keep is not None and session.id == keep):
                continue
            session.revoked_at, session.revoked_reason = now, reason
            revoked.append(session.id)
        return revoked

    def drop_account(self, account_id: UUID) -> None:
        """ON DELETE CASCADE."""
        self.rows = {k: s for k, s in self.rows.items() if s.account_id != account_id}


class FakeAccountRepository:
    def __init__(self, sessions: FakeSessionRepository) -> None:
        self.rows: dict[UUID, Account] = {}
        self.saves = 0
        self._sessions = sessions

    async def get(self, account_id: UUID, *, for_update: bool = False) -> Account | None:
        row = self.rows.get(account_id)
        return None if row is None else dataclasses.replace(row)

    async def add(self, account: Account) -> bool:
        if account.id in self.rows or any(
            a.email == account.email or a.username == account.username for a in self.rows.values()
        ):
            return False
        self.rows[account.id] = dataclasses.replace(account)
        return True

    async def save(self, account: Account) -> None:
        assert account.id in self.rows, "an UPDATE of a missing row changes nothing"
        self.saves += 1
        self.rows[account.id] = dataclasses.replace(account)

    async def delete(self, account_id: UUID) -> bool:
        self._sessions.drop_account(account_id)
        return self.rows.pop(account_id, None) is not None


class FakeAuthUnitOfWork:
    """What the handlers touch; transactions are the caller's concern, not the handler's."""

    def __init__(self) -> None:
        self.sessions = FakeSessionRepository()
        self.accounts = FakeAccountRepository(self.sessions)
        self.events: list[IntegrationEvent] = []

    def add_event(self, event: IntegrationEvent) -> None:
        self.events.append(event)


class FakeSessionDenylist:
    """What SessionDenylist would write to Redis: denied sessions, and each account's "not before"."""

    def __init__(self) -> None:
        self.sessions: list[UUID] = []
        self.not_before: dict[UUID, datetime] = {}

    async def deny(self, session_ids: Iterable[UUID]) -> None:
        self.sessions.extend(session_ids)

    async def deny_subject_before(self, account_id: UUID, at: datetime) -> None:
        self.not_before[account_id] = at


@pytest.fixture
def uow() -> FakeAuthUnitOfWork:
    return FakeAuthUnitOfWork()


@pytest.fixture
def denylist() -> FakeSessionDenylist:
    return FakeSessionDenylist()
