"""The auth handlers and subscriber against a fake unit of work (no I/O)."""

from __future__ import annotations

import uuid

from switchyard.auth.domain.commands import EraseAccount, RegisterAccount
from switchyard.auth.entrypoints.events.subscribers import on_user_deleted
from switchyard.auth.service_layer.handlers import erase_account, register_account
from switchyard.common.contracts import AccountRegistered, UserDeleted, to_envelope


async def test_register_account_stores_a_normalised_account_and_announces_it(uow):
    account_id = uuid.uuid4()

    account = await register_account(
        RegisterAccount(account_id=account_id, email="  Ada@Example.COM ", username="ada", full_name="Ada"),
        uow,
    )

    assert uow.accounts.rows == {account_id: account}
    assert account.email == "ada@example.com"
    assert uow.events == [
        AccountRegistered(
            account_id=account_id,
            email="ada@example.com",
            username="ada",
            full_name="Ada",
            email_verified=False,
            invited=False,
        )
    ]


async def test_erase_account_forgets_the_account_and_tolerates_a_repeat(uow):
    account_id = uuid.uuid4()
    await register_account(RegisterAccount(account_id=account_id, email="a@example.com", username="a"), uow)

    await erase_account(EraseAccount(account_id=account_id), uow)
    await erase_account(EraseAccount(account_id=account_id), uow)

    assert uow.accounts.rows == {}


async def test_user_deleted_erases_that_account_only(uow):
    kept, deleted = uuid.uuid4(), uuid.uuid4()
    for account_id, name in ((kept, "kept"), (deleted, "deleted")):
        await register_account(
            RegisterAccount(account_id=account_id, email=f"{name}@example.com", username=name), uow
        )
    event = UserDeleted(user_id=deleted)

    await on_user_deleted(event, to_envelope(event, source="users"), uow)

    assert list(uow.accounts.rows) == [kept]
