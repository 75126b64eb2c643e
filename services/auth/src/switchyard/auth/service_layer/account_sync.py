"""Auth's copy of what the users service decides: roles, deactivation, deletion (right to erasure)."""

from __future__ import annotations

from uuid import UUID

import structlog

from switchyard.auth.domain.commands import ChangeRole, DeactivateAccount, EraseAccount, ReactivateAccount
from switchyard.auth.domain.model import ROLES, utcnow
from switchyard.auth.service_layer.unit_of_work import AuthUnitOfWork
from switchyard.common.messaging import PermanentError

log = structlog.get_logger(__name__)


async def change_role(command: ChangeRole, uow: AuthUnitOfWork) -> None:
    """Tokens issued from now on carry the new role (existing ones keep theirs until they expire)."""
    if command.role not in ROLES:
        raise PermanentError(f"unknown role {command.role!r}")
    account = await uow.accounts.get(command.account_id, for_update=True)
    if account is not None and account.role != command.role:
        account.role = command.role
        await uow.accounts.save(account)


async def deactivate_account(command: DeactivateAccount, uow: AuthUnitOfWork) -> list[UUID]:
    """Refuse logins and end every session; returns the sessions whose access tokens must be denied."""
    account = await uow.accounts.get(command.account_id, for_update=True)
    if account is None:
        return []
    account.is_active = False
    await uow.accounts.save(account)
    revoked = await uow.sessions.revoke(account.id, utcnow(), "account-deactivated")
    log.info("account_deactivated", account_id=str(account.id), sessions_ended=len(revoked))
    return revoked


async def reactivate_account(command: ReactivateAccount, uow: AuthUnitOfWork) -> None:
    account = await uow.accounts.get(command.account_id, for_update=True)
    if account is not None and not account.is_active:
        account.is_active = True
        await uow.accounts.save(account)


async def erase_account(command: EraseAccount, uow: AuthUnitOfWork) -> list[UUID]:
    """Forget everything auth holds about a deleted user; returns the sessions to deny."""
    live = await uow.sessions.revoke(command.account_id, utcnow(), "account-erased")
    # Sessions, refresh and one-time tokens and backup codes go with the account (ON DELETE CASCADE).
    await uow.accounts.delete(command.account_id)
    return live
