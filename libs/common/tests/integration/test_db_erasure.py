"""Tombstones of erased users on a real database: recorded once, recognised, naming nobody."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import MetaData, select

from switchyard.common.db import ErasedUsers, add_erased_users_table

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
