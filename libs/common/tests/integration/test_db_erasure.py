"""Tombstones of erased users on a real database: recorded once, recognised, naming nobody, and never
missed by a check running at the same moment."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import MetaData, Table, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchyard.common.db import ErasedUsers, add_erased_users_table
from switchyard.common.testing import DatabaseFactory

pytestmark = pytest.mark.integration


async def test_an_erased_user_is_recognised_and_only_a_digest_is_stored(make_database) -> None:
    metadata = MetaData()
    table = add_erased_users_table(metadata)
    url = await make_database.create(metadata=metadata)
    sessions = make_database.sessions(url)
    erased, kept = uuid.uuid4(), uuid.uuid4()

    async with sessions.begin() as session:
        await ErasedUsers(session, table).record(erased)
        await ErasedUsers(session, table).record(erased)  # a redelivered user-deleted

    async with sessions() as session:
        tombstones = ErasedUsers(session, table)
        assert await tombstones.contains(erased)
        assert not await tombstones.contains(kept)
        (digest,) = (await session.execute(select(table.c.user_digest))).scalars().all()
    assert erased.bytes not in digest
    assert str(erased).encode() not in digest


async def _tombstones(make_database: DatabaseFactory) -> tuple[async_sessionmaker[AsyncSession], Table]:
    metadata = MetaData()
    table = add_erased_users_table(metadata)
    url = await make_database.create(metadata=metadata)
    return make_database.sessions(url), table


async def test_an_erasure_waits_for_a_transaction_that_checked_before_it(make_database) -> None:
    sessions, table = await _tombstones(make_database)
    user = uuid.uuid4()

    async def erase() -> None:
        async with sessions.begin() as session:
            await ErasedUsers(session, table).record(user)

    async with sessions.begin() as checking:
        assert await ErasedUsers(checking, table).among([user]) == set()
        erasure = asyncio.create_task(erase())
        await asyncio.sleep(0.3)
        # Whatever this transaction writes about the user now commits before the erasure reads.
        assert not erasure.done()
    await asyncio.wait_for(erasure, 5)
    async with sessions() as session:
        assert await ErasedUsers(session, table).contains(user)


async def test_a_check_during_an_erasure_waits_for_it_and_sees_the_tombstone(make_database) -> None:
    sessions, table = await _tombstones(make_database)
    user, other = uuid.uuid4(), uuid.uuid4()

    async def check() -> set[uuid.UUID]:
        async with sessions.begin() as session:
            return await ErasedUsers(session, table).among([user, other])

    async with sessions.begin() as erasing:
        await ErasedUsers(erasing, table).record(user)
        checked = asyncio.create_task(check())
        await asyncio.sleep(0.3)
        assert not checked.done()
    assert await asyncio.wait_for(checked, 5) == {user}


async def test_checks_do_not_wait_for_each_other(make_database) -> None:
    sessions, table = await _tombstones(make_database)

    async with sessions.begin() as first, sessions.begin() as second:
        assert await ErasedUsers(first, table).among([uuid.uuid4()]) == set()
        assert await asyncio.wait_for(ErasedUsers(second, table).among([uuid.uuid4()]), 2) == set()
