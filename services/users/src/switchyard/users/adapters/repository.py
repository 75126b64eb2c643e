"""Profiles stored in the users database."""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, delete, func, insert, literal_column, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.common.db.bulk import BulkInsert
from switchyard.users.adapters.orm import SEARCH_TEXT, profiles
from switchyard.users.domain.model import Profile, Role
from switchyard.users.domain.pagination import UserQuery

_COLUMNS = tuple(c.name for c in profiles.columns)
# Held for the rest of the transaction by any change that could remove an active admin.
_ADMINS_LOCK = 0x5157_4144  # "UWAD"
# A profile's values in _COLUMNS order (its Role is a str).
_row = attrgetter(*_COLUMNS)
_ADD_NEW = BulkInsert(profiles, _COLUMNS, skip_conflicts=("id",), returning=("id",))


def _profile(row: RowMapping) -> Profile:
    values = {name: row[name] for name in _COLUMNS}
    return Profile(**{**values, "role": Role(values["role"])})


def _values(profile: Profile) -> dict[str, Any]:
    values = {name: getattr(profile, name) for name in _COLUMNS}
    values["role"] = profile.role.value
    return values


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class ProfileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: UUID, *, for_update: bool = False) -> Profile | None:
        query = select(profiles).where(profiles.c.id == user_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).mappings().first()
        return None if row is None else _profile(row)

    async def add(self, profile: Profile) -> None:
        await self._session.execute(insert(profiles).values(**_values(profile)))

    async def add_new(self, new: Sequence[Profile]) -> set[UUID]:
        """Insert in one statement, skipping ids that exist; the ids inserted.

        Only the id may already exist (a registration delivered again): a clash on email or
        username is an error, as it would be for :meth:`add`.
        """
        return set(await _ADD_NEW.returned(self._session, map(_row, new)))

    async def save(self, profile: Profile) -> None:
        values = _values(profile)
        del values["id"]
        await self._session.execute(update(profiles).where(profiles.c.id == profile.id).values(**values))

    async def delete(self, user_id: UUID) -> None:
        await self._session.execute(delete(profiles).where(profiles.c.id == user_id))

    async def lock_admins(self) -> int:
        """Serialise changes that could remove an admin; the number of active admins now."""
        await self._session.execute(select(func.pg_advisory_xact_lock(_ADMINS_LOCK)))
        query = (
            select(func.count())
            .select_from(profiles)
            .where(profiles.c.role == Role.ADMIN.value, profiles.c.is_active.is_(True))
        )
        return int((await self._session.execute(query)).scalar_one())

    async def list(self, query: UserQuery) -> list[Profile]:
        """One page (``limit + 1`` rows, so the caller knows whether another page follows)."""
        column = profiles.c[query.column]
        order = (
            (column.desc(), profiles.c.id.desc()) if query.descending else (column.asc(), profiles.c.id.asc())
        )
        statement = select(profiles).order_by(*order).limit(query.limit + 1)
        if query.role is not None:
            statement = statement.where(profiles.c.role == query.role.value)
        if query.is_active is not None:
            statement = statement.where(profiles.c.is_active.is_(query.is_active))
        if query.q:
            pattern = f"%{_escape_like(query.q.lower())}%"
            statement = statement.where(literal_column(SEARCH_TEXT).like(pattern, escape="\\"))
            # One prepared statement serves every term; a generic plan fitted to a common term would
            # scan the table for a rare one (seen at a million rows), so plan each search afresh.
            await self._session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        if query.cursor is not None:
            # A row comparison the (column, id) order can seek to; the plain bound helps the
            # username index, which does not hold id.
            key, at = tuple_(column, profiles.c.id), tuple_(query.cursor.value, query.cursor.id)
            if query.descending:
                statement = statement.where(column <= query.cursor.value, key < at)
            else:
                statement = statement.where(column >= query.cursor.value, key > at)
        rows = (await self._session.execute(statement)).mappings().all()
        return [_profile(row) for row in rows]
