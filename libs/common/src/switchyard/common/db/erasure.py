"""Tombstones of erased users, so an event that arrives after the erasure cannot bring data back.

Events about one user travel on several topics, so one emitted before a deletion may be consumed
after it (a verification request, a user-created). A service that erases on ``users.user-deleted``
records the user here and ignores later events about them. Only a SHA-256 digest of the id is
kept: the tombstone names nobody, yet recognises the id when it comes again.

A check and an erasure running at the same moment must not miss each other: under READ COMMITTED
the check would not see the uncommitted tombstone, nor the erasure the data the check's transaction
is about to write, and that data would outlive the erasure. So checking takes a transaction-long
shared advisory lock of the database and recording the exclusive one: an erasure waits for the
transactions that already checked (and deletes what they wrote), and a check that comes during an
erasure waits for it (and sees its tombstone). Erasures are rare; checks wait for each other only
while an erasure is queued between them, so a check comes as late in its transaction as it can. The
lock is in the two-number key space, apart from the single-number locks of the relay and importer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import Column, DateTime, LargeBinary, MetaData, Table, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

ERASED_USERS_TABLE = "erased_users"
# Same in every service: each has a database of its own.
ERASURE_LOCK_KEY = (0x5357_4552, 1)


def add_erased_users_table(metadata: MetaData) -> Table:
    return Table(
        ERASED_USERS_TABLE,
        metadata,
        Column("user_digest", LargeBinary, primary_key=True),
        Column("erased_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def create_erased_users_v1(connection: Connection) -> None:
    """For a service's migration: the table exactly as :func:`add_erased_users_table` declares it."""
    add_erased_users_table(MetaData()).create(connection)


def drop_erased_users_v1(connection: Connection) -> None:
    add_erased_users_table(MetaData()).drop(connection)


def user_digest(user_id: UUID) -> bytes:
    return hashlib.sha256(b"switchyard:erased-user:" + user_id.bytes).digest()


class ErasedUsers:
    def __init__(self, session: AsyncSession, table: Table) -> None:
        self._session, self._table = session, table

    async def record(self, user_id: UUID) -> None:
        """Call before erasing the user's data, in the same transaction (see the module's note)."""
        await self._session.execute(select(func.pg_advisory_xact_lock(*ERASURE_LOCK_KEY)))
        statement = insert(self._table).values(user_digest=user_digest(user_id)).on_conflict_do_nothing()
        await self._session.execute(statement)

    async def contains(self, user_id: UUID) -> bool:
        return bool(await self.among([user_id]))

    async def among(self, user_ids: Iterable[UUID]) -> set[UUID]:
        """Which of ``user_ids`` were erased, with one query; call before writing about the others."""
        by_digest = {user_digest(user_id): user_id for user_id in user_ids}
        if not by_digest:
            return set()
        await self._session.execute(select(func.pg_advisory_xact_lock_shared(*ERASURE_LOCK_KEY)))
        query = select(self._table.c.user_digest).where(self._table.c.user_digest.in_(list(by_digest)))
        return {by_digest[digest] for digest in (await self._session.execute(query)).scalars()}
