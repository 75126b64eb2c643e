"""Invited accounts: created from import rows without a password, activated by accepting the invitation."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from uuid import UUID

from switchyard.auth.adapters.repository import Holders
from switchyard.auth.domain.commands import AcceptInvitation, InviteAccount
from switchyard.auth.domain.errors import InvalidInput, InvalidToken
from switchyard.auth.domain.identities import normalize_email, normalize_full_name, normalize_username
from switchyard.auth.domain.model import ROLES, Account
from switchyard.auth.domain.secrets import digest, new_token
from switchyard.auth.service_layer.context import AuthContext
from switchyard.auth.service_layer.passwords import check_new_password, set_password
from switchyard.auth.service_layer.registration import record_registration
from switchyard.auth.service_layer.unit_of_work import AuthUnitOfWork
from switchyard.common.contracts import ImportRowOutcome, ImportRowsProcessed, InvitationIssued
from switchyard.common.contracts.ids import uuid5

_ROW_NAMESPACE = uuid.UUID("6f1d3c52-7a0e-4c1b-9a57-3b8f0f3e2d10")


def account_id_for_row(import_id: UUID, row_number: int) -> UUID:
    """Deterministic, so a row delivered again (even as a new event) finds the account it made."""
    return uuid5(_ROW_NAMESPACE, f"{_row_prefix(import_id)}{row_number}")


@lru_cache(maxsize=64)
def _row_prefix(import_id: UUID) -> str:
    return f"{import_id}:"


async def invite_accounts(
    commands: Sequence[InviteAccount], ctx: AuthContext, uow: AuthUnitOfWork
) -> list[ImportRowOutcome]:
    """Create the invited accounts or reject their rows, with one insert for the whole batch.

    Rows are taken in order: of two rows naming the same email or username, the first gets the
    account. Every row's outcome is answered, in one ImportRowsProcessed per import of the batch.
    """
    # One creation time for the batch (one transaction): the insert sends it once, not per row.
    created_at = ctx.clock()
    checked = [_account_for(command, created_at) for command in commands]
    candidates = [account for account in checked if isinstance(account, Account)]
    inserted = await uow.accounts.add_many(candidates)
    unplaced = [account for account in candidates if account.id not in inserted]
    holders = await uow.accounts.holders(
        ids=[a.id for a in unplaced],
        emails=[a.email for a in unplaced],
        usernames=[a.username for a in unplaced],
    )
    outcomes: list[ImportRowOutcome] = []
    invited: list[tuple[Account, UUID]] = []
    registered: set[UUID] = set()
    for command, account in zip(commands, checked, strict=True):
        if isinstance(account, ImportRowOutcome):
            outcomes.append(account)
        elif account.id in inserted:
            # The same row twice in one batch (sent again as a new event) is one account, announced once.
            if account.id not in registered:
                registered.add(account.id)
                record_registration(uow, account)
                if command.notify:
                    invited.append((account, command.import_id))
            outcomes.append(_created(command, account))
        else:
            outcomes.append(_answer_for_existing(command, account, holders))
    await _issue_invitations(ctx, uow, invited)
    by_import: dict[UUID, list[ImportRowOutcome]] = defaultdict(list)
    for command, outcome in zip(commands, outcomes, strict=True):
        by_import[command.import_id].append(outcome)
    for import_id, rows in by_import.items():
        uow.add_event(ImportRowsProcessed(import_id=import_id, rows=rows))
    return outcomes


def _account_for(command: InviteAccount, created_at: datetime) -> Account | ImportRowOutcome:
    try:
        email, username = normalize_email(command.email), normalize_username(command.username)
        full_name = normalize_full_name(command.full_name)
    except InvalidInput as exc:
        return _rejected(command, "invalid", exc.field, str(exc))
    if command.role not in ROLES:
        return _rejected(command, "invalid", "role", f"Role must be one of {', '.join(ROLES)}.")
    return Account(
        id=account_id_for_row(command.import_id, command.row_number),
        email=email,
        username=username,
        full_name=full_name,
        role=command.role,
        invited=True,
        created_at=created_at,
    )


def _answer_for_existing(command: InviteAccount, account: Account, holders: Holders) -> ImportRowOutcome:
    if account.id in holders.ids:
        # This row was applied before (sent again after a crash): same answer as then.
        return _created(command, account)
    if holders.by_email.get(account.email) not in (None, account.id):
        return _rejected(command, "already-exists", "email", "An account with this email already exists.")
    return _rejected(command, "already-exists", "username", "An account with this username already exists.")


def _created(command: InviteAccount, account: Account) -> ImportRowOutcome:
    return ImportRowOutcome(
        row_number=command.row_number,
        outcome="created",
        account_id=account.id,
        email=account.email,
        username=account.username,
    )


def _rejected(command: InviteAccount, code: str, field: str, message: str) -> ImportRowOutcome:
    return ImportRowOutcome(
        row_number=command.row_number,
        outcome="rejected",
        code=code,
        field=field,
        message=message,
    )


async def _issue_invitations(
    ctx: AuthContext, uow: AuthUnitOfWork, invited: list[tuple[Account, UUID]]
) -> None:
    """A token per new account (no earlier one can exist), stored as a digest, sent in the event."""
    if not invited:
        return
    now = ctx.clock()
    expires_at = now + timedelta(seconds=ctx.settings.invitation_token_ttl_s)
    tokens = [(account, import_id, *new_token()) for account, import_id in invited]
    await uow.one_time_tokens.add_many(
        [(digest_, account.id) for account, _, _, digest_ in tokens],
        purpose="invitation",
        now=now,
        expires_at=expires_at,
    )
    for account, import_id, token, _ in tokens:
        uow.add_event(
            InvitationIssued(
                account_id=account.id,
                email=account.email,
                username=account.username,
                full_name=account.full_name,
                token=token,
                expires_at=expires_at,
                import_id=import_id,
            )
        )


async def accept_invitation(command: AcceptInvitation, ctx: AuthContext) -> None:
    """Set the first password; following the emailed link also verifies the address."""
    async with ctx.uow() as uow:
        account_id = await uow.one_time_tokens.consume(
            digest(command.token), purpose="invitation", now=ctx.clock()
        )
        account = None if account_id is None else await uow.accounts.get(account_id)
        if account is None:
            raise InvalidToken("The invitation is invalid, expired or already accepted.")
        password = check_new_password(ctx, account, command.password)
        password_hash = await ctx.hasher.hash(password)
        await set_password(ctx, uow, account.id, password_hash, reason="invitation-accepted", keep=None)
        await uow.commit()
