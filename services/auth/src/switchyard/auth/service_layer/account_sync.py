"""Auth's copy of what the users service decides: roles, deactivation, deletion (right to erasure).

Access tokens already issued are denied in Redis before the caller commits: if the commit then fails
the event is redelivered, and denying twice is harmless.
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from switchyard.auth.adapters.revocations import SessionDenylist
from switchyard.auth.domain.commands import ChangeRole, DeactivateAccount, EraseAccount, ReactivateAccount
from switchyard.auth.domain.model import ROLES, Account, utcnow
from switchyard.auth.service_layer.unit_of_work import AuthUnitOfWork
from switchyard.common.messaging import PermanentError

log = structlog.get_logger(__name__)


async def change_role(command: ChangeRole, uow: AuthUnitOfWork, denylist: SessionDenylist) -> None:
    """Store the new role and refuse the tokens issued before it: clients refresh into the new role."""
    if command.role not in ROLES:
        raise PermanentError(f"unknown role {command.role!r}")
    account = await uow.accounts.get(command.account_id, for_update=True)
    if account is not None and account.role != command.role:
        account.role = command.role
        await uow.accounts.save(account)
        await denylist.deny_subject_before(account.id, utcnow())


async def deactivate_account(
    command: DeactivateAccount, uow: AuthUnitOfWork, denylist: SessionDenylist
) -> None:
    """Refuse logins and end every session (their access tokens included)."""
    account = await uow.accounts.get(command.account_id, for_update=True)
    if account is None or _superseded(account, command.occurred_at):
        return
    account.is_active = False
    account.status_changed_at = _aware(command.occurred_at)
    await uow.accounts.save(account)
    revoked = await uow.sessions.revoke(account.id, utcnow(), "account-deactivated")
    await denylist.deny(revoked)
    log.info("account_deactivated", account_id=str(account.id), sessions_ended=len(revoked))


async def reactivate_account(command: ReactivateAccount, uow: AuthUnitOfWork) -> None:
    """Allow logins again; ended sessions stay ended."""
    account = await uow.accounts.get(command.account_id, for_update=True)
    if account is None or _superseded(account, command.occurred_at):
        return
    occurred_at = _aware(command.occurred_at)
    if account.is_active and account.status_changed_at == occurred_at:
        return
    # Recorded even when already active, so a deactivation decided before this one and arriving
    # after it is recognised as older.
    account.is_active = True
    account.status_changed_at = occurred_at
    await uow.accounts.save(account)


async def erase_account(command: EraseAccount, uow: AuthUnitOfWork, denylist: SessionDenylist) -> None:
    """Forget everything auth holds about a deleted user, and refuse the tokens it still holds."""
    live = await uow.sessions.revoke(command.account_id, utcnow(), "account-erased")
    # Sessions, refresh and one-time tokens and backup codes go with the account (ON DELETE CASCADE).
    await uow.accounts.delete(command.account_id)
    await denylist.deny(live)


def _superseded(account: Account, occurred_at: datetime) -> bool:
    """Deactivation and reactivation travel on two topics: a decision older than the applied one lost."""
    stale = account.status_changed_at is not None and _aware(occurred_at) < account.status_changed_at
    if stale:
        log.info("account_status_event_superseded", account_id=str(account.id), occurred_at=str(occurred_at))
    return stale


def _aware(moment: datetime) -> datetime:
    # The envelope's occurred_at is UTC; a producer that dropped the offset still meant UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
