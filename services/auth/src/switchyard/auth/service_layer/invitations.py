"""Invited accounts: created from import rows without a password, activated by accepting the invitation."""

from __future__ import annotations

import uuid
from uuid import UUID

from switchyard.auth.domain.commands import AcceptInvitation, InviteAccount
from switchyard.auth.domain.errors import InvalidInput, InvalidToken
from switchyard.auth.domain.identities import normalize_email, normalize_full_name, normalize_username
from switchyard.auth.domain.model import ROLES, Account
from switchyard.auth.domain.secrets import digest
from switchyard.auth.service_layer.context import AuthContext
from switchyard.auth.service_layer.passwords import check_new_password, set_password
from switchyard.auth.service_layer.registration import record_registration
from switchyard.auth.service_layer.tokens import issue_one_time_token
from switchyard.auth.service_layer.unit_of_work import AuthUnitOfWork
from switchyard.common.contracts import ImportRowProcessed, InvitationIssued

_ROW_NAMESPACE = uuid.UUID("6f1d3c52-7a0e-4c1b-9a57-3b8f0f3e2d10")


def account_id_for_row(import_id: UUID, row_number: int) -> UUID:
    """Deterministic, so a row delivered again (even as a new event) finds the account it made."""
    return uuid.uuid5(_ROW_NAMESPACE, f"{import_id}:{row_number}")


async def invite_account(command: InviteAccount, ctx: AuthContext, uow: AuthUnitOfWork) -> ImportRowProcessed:
    """Create the invited account or reject the row; the outcome is an event either way."""
    outcome = await _invite(command, ctx, uow)
    uow.add_event(outcome)
    return outcome


async def _invite(command: InviteAccount, ctx: AuthContext, uow: AuthUnitOfWork) -> ImportRowProcessed:
    def rejected(code: str, field: str, message: str) -> ImportRowProcessed:
        return ImportRowProcessed(
            import_id=command.import_id,
            row_number=command.row_number,
            outcome="rejected",
            code=code,
            field=field,
            message=message,
        )

    try:
        email, username = normalize_email(command.email), normalize_username(command.username)
        full_name = normalize_full_name(command.full_name)
    except InvalidInput as exc:
        return rejected("invalid", exc.field, str(exc))
    if command.role not in ROLES:
        return rejected("invalid", "role", f"Role must be one of {', '.join(ROLES)}.")
    account_id = account_id_for_row(command.import_id, command.row_number)
    created = ImportRowProcessed(
        import_id=command.import_id, row_number=command.row_number, outcome="created", account_id=account_id
    )
    account = Account(
        id=account_id,
        email=email,
        username=username,
        full_name=full_name,
        role=command.role,
        invited=True,
        created_at=ctx.clock(),
    )
    if not await uow.accounts.add(account):
        by_email, by_username = await uow.accounts.taken(email=email, username=username)
        if account_id in (by_email, by_username) or await uow.accounts.get(account_id) is not None:
            return created
        if by_email is not None:
            return rejected("already-exists", "email", "An account with this email already exists.")
        return rejected("already-exists", "username", "An account with this username already exists.")
    record_registration(uow, account)
    if command.notify:
        await _issue_invitation(ctx, uow, account, command.import_id)
    return created


async def _issue_invitation(ctx: AuthContext, uow: AuthUnitOfWork, account: Account, import_id: UUID) -> None:
    token, expires_at = await issue_one_time_token(
        ctx, uow, account.id, purpose="invitation", ttl_s=ctx.settings.invitation_token_ttl_s
    )
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
