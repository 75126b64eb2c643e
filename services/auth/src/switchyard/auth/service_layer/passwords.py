"""Changing a password (signed in), and forgetting and resetting one (by emailed link)."""

from __future__ import annotations

import asyncio
import time
from typing import Literal
from uuid import UUID

import structlog

from switchyard.auth.domain.commands import ChangePassword, RequestPasswordReset, ResetPassword
from switchyard.auth.domain.errors import InvalidToken, NotFound
from switchyard.auth.domain.identities import normalize_email
from switchyard.auth.domain.model import Account
from switchyard.auth.domain.passwords import check_password
from switchyard.auth.domain.secrets import digest
from switchyard.auth.service_layer.brute_force import confirm_password, throttle_subject
from switchyard.auth.service_layer.context import AuthContext
from switchyard.auth.service_layer.tokens import issue_one_time_token
from switchyard.auth.service_layer.unit_of_work import AuthUnitOfWork
from switchyard.common.contracts import EmailVerified, PasswordChanged, PasswordResetRequested

log = structlog.get_logger(__name__)

# /password/forgot answers no sooner than this, so a known and an unknown email take the same time.
FORGOT_FLOOR_S = 0.2


async def change_password(command: ChangePassword, ctx: AuthContext) -> None:
    """Keeps the caller's session; every other session of the account ends."""
    async with ctx.uow() as uow:
        account = await uow.accounts.get(command.account_id)
    if account is None:
        raise NotFound("No such account.")
    await confirm_password(ctx, account, command.current_password)
    new_password = check_new_password(ctx, account, command.new_password, field="new_password")
    new_hash = await ctx.hasher.hash(new_password)
    async with ctx.uow() as uow:
        await set_password(ctx, uow, account.id, new_hash, reason="changed", keep=command.session_id)
        await uow.commit()


async def request_password_reset(command: RequestPasswordReset, ctx: AuthContext) -> None:
    """Mail a single-use link if the account exists; the answer and its timing never say whether it does."""
    started = time.monotonic()
    email = normalize_email(command.email)
    async with ctx.uow() as uow:
        account = await uow.accounts.find_by_login(email)
        if account is not None and account.is_active:
            token, expires_at = await issue_one_time_token(
                ctx, uow, account.id, purpose="reset-password", ttl_s=ctx.settings.reset_token_ttl_s
            )
            uow.add_event(
                PasswordResetRequested(
                    account_id=account.id,
                    email=account.email,
                    username=account.username,
                    token=token,
                    expires_at=expires_at,
                )
            )
            await uow.commit()
    await asyncio.sleep(max(0.0, FORGOT_FLOOR_S - (time.monotonic() - started)))


async def reset_password(command: ResetPassword, ctx: AuthContext) -> None:
    """Set a new password with an emailed token; every session ends (whoever had the old one is out)."""
    now = ctx.clock()
    async with ctx.uow() as uow:
        account_id = await uow.one_time_tokens.consume(
            digest(command.token), purpose="reset-password", now=now
        )
        account = None if account_id is None else await uow.accounts.get(account_id)
        if account is None:
            raise InvalidToken("The reset link is invalid, expired or already used.")
        new_password = check_new_password(ctx, account, command.new_password, field="new_password")
        # The token stays unspent unless this whole transaction commits.
        new_hash = await ctx.hasher.hash(new_password)
        await set_password(ctx, uow, account.id, new_hash, reason="reset", keep=None)
        await uow.commit()
    # The owner proved who they are: failed attempts and a lock from before no longer stop them.
    await ctx.throttle.succeeded(throttle_subject(account, ""), None)


async def set_password(
    ctx: AuthContext,
    uow: AuthUnitOfWork,
    account_id: UUID,
    password_hash: str,
    *,
    reason: Literal["changed", "reset", "invitation-accepted"],
    keep: UUID | None,
) -> list[UUID]:
    """Store the new hash, end the other sessions and tell the owner; returns the ended session ids.

    The ended sessions are denied in Redis before the caller commits: should Redis be down the
    whole change fails (503) and can be retried, instead of leaving live tokens behind.
    """
    now = ctx.clock()
    account = await uow.accounts.get(account_id, for_update=True)
    if account is None:
        raise NotFound("No such account.")
    account.password_hash, account.password_changed_at = password_hash, now
    if reason != "changed" and not account.email_verified:
        # Whoever follows an emailed link has read that mailbox.
        account.email_verified = True
        uow.add_event(EmailVerified(account_id=account.id, email=account.email))
    await uow.accounts.save(account)
    await uow.one_time_tokens.invalidate(account.id, purpose="reset-password", now=now)
    revoked = await uow.sessions.revoke(account.id, now, f"password-{reason}", keep=keep)
    await ctx.denylist.deny(revoked)
    uow.add_event(PasswordChanged(account_id=account.id, email=account.email, reason=reason, changed_at=now))
    log.info("password_set", account_id=str(account.id), reason=reason, sessions_ended=len(revoked))
    return revoked


def check_new_password(ctx: AuthContext, account: Account, password: str, *, field: str = "password") -> str:
    """The policy, with what the account is known by as context (a password built on it is weak)."""
    user_inputs = (account.email, account.username, account.full_name or "")
    return check_password(password, ctx.policy, user_inputs=user_inputs, field=field)
