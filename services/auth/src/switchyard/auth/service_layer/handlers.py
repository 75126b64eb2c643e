"""Use cases of the auth service."""

from __future__ import annotations

from switchyard.auth.domain.commands import EraseAccount, RegisterAccount
from switchyard.auth.domain.model import Account
from switchyard.auth.service_layer.unit_of_work import AuthUnitOfWork
from switchyard.common.contracts import AccountRegistered


async def register_account(command: RegisterAccount, uow: AuthUnitOfWork) -> Account:
    """Store the account and its account-registered event in the caller's transaction."""
    account = Account(
        id=command.account_id,
        email=command.email.strip().lower(),
        username=command.username,
        full_name=command.full_name,
    )
    await uow.accounts.add(account)
    uow.add_event(
        AccountRegistered(
            account_id=account.id,
            email=account.email,
            username=account.username,
            full_name=account.full_name,
            email_verified=account.email_verified,
            invited=False,
        )
    )
    return account


async def erase_account(command: EraseAccount, uow: AuthUnitOfWork) -> None:
    """Forget everything auth holds about a deleted user."""
    await uow.accounts.delete(command.account_id)
