import uuid

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from switchyard.common.contracts import UserDeleted
from switchyard.common.db import SqlAlchemyUnitOfWork


def test_events_cannot_be_added_outside_the_transaction():
    uow = SqlAlchemyUnitOfWork(async_sessionmaker(), source="users")

    with pytest.raises(RuntimeError, match="outside its `async with` block"):
        uow.add_event(UserDeleted(user_id=uuid.uuid4()))
    with pytest.raises(RuntimeError, match="outside"):
        _ = uow.session
