"""Accounts stored in the auth database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.auth.adapters.orm import accounts
from switchyard.auth.domain.model import Account
from switchyard.common.db.bulk import BulkInsert

_COLUMNS = tuple(c.name for c in accounts.columns)
_ROW = attrgetter(*_COLUMNS)
_ADD_MANY = BulkInsert(accounts, _COLUMNS, skip_conflicts=True, returning=("id",))


def _account(row: RowMapping) -> Account:
    return Account(**{name: row[name] for name in _COLUMNS})


def _values(account: Account) -> dict[str, Any]:
    return {name: getattr(account, name) for name in _COLUMNS}


@dataclass(frozen=True, slots=True)
class Holders:
    ids: set[UUID]
    by_email: dict[str, UUID]


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, account_id: UUID, *, for_update: bool = False) -> Account | None:
        query = select(accounts).where(accounts.c.id == account_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).mappings().first()
        return None if row is None else _account(row)

    async def find_by_login(self, login: str) -> Account | None:
        """By email or username (both stored lower-case)."""
        if "\x00" in login:
            # No stored name holds NUL (PostgreSQL text cannot), and asyncpg would refuse to send it.
            return None
        query = select(accounts).where(or_(accounts.c.email == login, accounts.c.username == login))
        row = (await self._session.execute(query)).mappings().first()
        return None if row is None else _account(row)

    async def taken(self, *, email: str, username: str) -> tuple[UUID | None, UUID | None]:
        """Ids of the accounts holding ``email`` and ``username``, if any."""
        query = select(accounts.c.id, accounts.c.email, accounts.c.username).where(
            or_(accounts.c.email == email, accounts.c.username == username)
        )
        by_email = by_username = None
        for row in (await self._session.execute(query)).all():
            if row.email == email:
                by_email = row.id
            if row.username == username:
                by_username = row.id
        return by_email, by_username

    async def add(self, account: Account) -> bool:
        """Insert; False (nothing written) when the id, email or username already exists."""
        statement = pg_insert(accounts).values(**_values(account)).on_conflict_do_nothing()
        result = await self._session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def add_many(self, new: Sequence[Account]) -> set[UUID]:
        """Insert in one statement, in order; the ids inserted (a taken id, email or username is skipped)."""
        return set(await _ADD_MANY.returned(self._session, map(_ROW, new)))

    async def holders(
        self, *, ids: Sequence[UUID], emails: Sequence[str], usernames: Sequence[str]
    ) -> Holders:
        """Which of these ids exist, and who holds these emails and usernames."""
        if not ids:
            return Holders(set(), {})
        query = select(accounts.c.id, accounts.c.email).where(
            or_(accounts.c.id.in_(ids), accounts.c.email.in_(emails), accounts.c.username.in_(usernames))
        )
        rows = (await self._session.execute(query)).all()
        return Holders({row.id for row in rows}, {row.email: row.id for row in rows})

    async def save(self, account: Account) -> None:
        values = _values(account)
        del values["id"]
        await self._session.execute(update(accounts).where(accounts.c.id == account.id).values(**values))

    async def delete(self, account_id: UUID) -> bool:
        result = await self._session.execute(delete(accounts).where(accounts.c.id == account_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def count(self) -> int:
        return int((await self._session.execute(select(func.count()).select_from(accounts))).scalar_one())
