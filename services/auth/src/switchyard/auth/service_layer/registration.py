"""Creating an account: self sign-up and the bootstrap admin."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import structlog

from switchyard.auth.domain.commands import RegisterAccount
from switchyard.auth.domain.errors import AccountExists
from switchyard.auth.domain.identities import (
    admin_username,
    normalize_email,
    normalize_full_name,
    normalize_username,
)
from switchyard.auth.domain.model import Account
from switchyard.auth.domain.passwords import check_password
from switchyard.auth.service_layer.context import AuthContext
from switchyard.auth.service_layer.tokens import issue_one_time_token
from switchyard.auth.service_layer.unit_of_work import AuthUnitOfWork
from switchyard.common.contracts import (
    AccountRegistered,
    DuplicateRegistrationAttempted,
    EmailVerificationRequested,
)

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Registration:
    """``account`` is None when enumeration-safe registration hid that the email was taken."""

    account: Account | None


async def register_account(command: RegisterAccount, ctx: AuthContext) -> Registration:
    email, username = normalize_email(command.email), normalize_username(command.username)
    full_name = normalize_full_name(command.full_name)
    password = check_password(command.password, ctx.policy, user_inputs=(email, username, full_name or ""))
    password_hash = await ctx.hasher.hash(password)
    now = ctx.clock()
    account = Account(
        id=command.account_id,
        email=email,
        username=username,
        full_name=full_name,
        email_verified=command.email_verified,
        created_at=now,
        password_hash=password_hash,
        password_changed_at=now,
        role=command.role,
    )
    async with ctx.uow() as uow:
        if not await uow.accounts.add(account):
            return await _taken(ctx, uow, email, username)
        record_registration(uow, account)
        if not account.email_verified:
            await request_verification(ctx, uow, account, resent=False)
        await uow.commit()
    log.info("account_registered", account_id=str(account.id), role=account.role)
    return Registration(account)


def record_registration(uow: AuthUnitOfWork, account: Account) -> None:
    uow.add_event(
        AccountRegistered(
            account_id=account.id,
            email=account.email,
            username=account.username,
            full_name=account.full_name,
            email_verified=account.email_verified,
            invited=account.invited,
            role=account.role,
        )
    )


async def request_verification(
    ctx: AuthContext, uow: AuthUnitOfWork, account: Account, *, resent: bool
) -> None:
    """A new verification token (earlier ones stop working) and the event that mails it."""
    token, expires_at = await issue_one_time_token(
        ctx, uow, account.id, purpose="verify-email", ttl_s=ctx.settings.verification_token_ttl_s
    )
    uow.add_event(
        EmailVerificationRequested(
            account_id=account.id,
            email=account.email,
            username=account.username,
            token=token,
            expires_at=expires_at,
            resent=resent,
        )
    )


async def _taken(ctx: AuthContext, uow: AuthUnitOfWork, email: str, username: str) -> Registration:
    by_email, by_username = await uow.accounts.taken(email=email, username=username)
    if by_email is not None and ctx.settings.enumeration_safe_registration:
        # Answer as for a new account; the owner learns of the attempt by email.
        uow.add_event(DuplicateRegistrationAttempted(account_id=by_email, email=email))
        await uow.commit()
        return Registration(None)
    if by_email is not None:
        raise AccountExists("email")
    if by_username is not None:
        raise AccountExists("username")
    # The id collided (a client-chosen id is never used, so this is a retry of the same insert).
    raise AccountExists("id")


async def ensure_bootstrap_admin(ctx: AuthContext, account_id: UUID) -> bool:
    """Create the configured admin unless an account with that email exists; True when created."""
    email, password = ctx.settings.bootstrap_admin_email, ctx.settings.bootstrap_admin_password
    if not email or not password:
        return False
    async with ctx.uow() as uow:
        if await uow.accounts.find_by_login(normalize_email(email)) is not None:
            return False
    username = admin_username(email)
    command = RegisterAccount(
        account_id=account_id,
        email=email,
        username=username,
        password=password,
        role="admin",
        email_verified=True,
    )
    try:
        registration = await register_account(command, ctx)
    except AccountExists as exc:
        if exc.field == "username":
            log.error("bootstrap_admin_not_created", reason=f"the username {username!r} is taken")
        return False  # else another replica created it first
    if registration.account is None:
        return False  # enumeration-safe registration hid that another replica created it first
    log.info("bootstrap_admin_created", email=normalize_email(email))
    return True
