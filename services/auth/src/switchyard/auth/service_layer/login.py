"""The OAuth 2.0 grants: password (with a second factor when enabled) and refresh-token rotation."""

from __future__ import annotations

from datetime import timedelta

import structlog

from switchyard.auth.domain.commands import LogIn, RefreshSession
from switchyard.auth.domain.errors import AccountDisabled, InvalidGrant
from switchyard.auth.domain.identities import looks_like_email
from switchyard.auth.domain.model import Account
from switchyard.auth.domain.passwords import normalize_password
from switchyard.auth.domain.secrets import digest
from switchyard.auth.service_layer.context import AuthContext
from switchyard.auth.service_layer.tokens import TokenPair, issue_tokens, new_session
from switchyard.auth.service_layer.two_factor import verify_second_factor
from switchyard.common.contracts import AccountLocked

log = structlog.get_logger(__name__)

BAD_CREDENTIALS = "Invalid username or password."


def throttle_subject(account: Account | None, login: str) -> str:
    """Count failures per account (whichever name is typed), or per typed name when none matches."""
    return f"account:{account.id}" if account is not None else f"login:{login}"


async def log_in(command: LogIn, ctx: AuthContext) -> TokenPair:
    login = command.login.strip().lower()
    async with ctx.uow() as uow:
        account = await uow.accounts.find_by_login(login) if login else None
    subject = throttle_subject(account, login)
    await ctx.throttle.check(subject, command.client.ip)
    password = normalize_password(command.password)
    too_long = len(password) > ctx.settings.password_max_length
    # Unknown accounts verify against a dummy hash: same answer, about the same time.
    matched = await ctx.hasher.verify(
        None if too_long or account is None else account.password_hash, password
    )
    if not matched or account is None:
        await record_failure(ctx, account, subject, command.client.ip)
        raise InvalidGrant(BAD_CREDENTIALS)
    if not account.is_active:
        raise AccountDisabled()
    if account.totp_enabled:
        if not command.otp:
            raise InvalidGrant("A two-factor code is required: send it in the otp field.")
        if not await verify_second_factor(ctx, account, command.otp):
            await record_failure(ctx, account, subject, command.client.ip)
            raise InvalidGrant("Invalid two-factor code.")
    await ctx.throttle.reset(subject)
    return await _start_session(ctx, account, password, command)


async def record_failure(ctx: AuthContext, account: Account | None, subject: str, ip: str | None) -> None:
    lockout = await ctx.throttle.record_failure(subject, ip)
    if lockout is None or account is None:
        return
    log.warning("account_locked", account_id=str(account.id), seconds=lockout.duration_s)
    async with ctx.uow() as uow:
        uow.add_event(
            AccountLocked(
                account_id=account.id,
                email=account.email,
                failed_attempts=lockout.failures,
                locked_until=ctx.clock() + timedelta(seconds=lockout.duration_s),
            )
        )
        await uow.commit()


async def _start_session(ctx: AuthContext, account: Account, password: str, command: LogIn) -> TokenPair:
    now = ctx.clock()
    new_hash = None
    if account.password_hash and ctx.hasher.needs_rehash(account.password_hash):
        new_hash = await ctx.hasher.hash(password)
    async with ctx.uow() as uow:
        if new_hash is not None:
            current = await uow.accounts.get(account.id, for_update=True)
            if current is not None and current.password_hash == account.password_hash:
                current.password_hash = new_hash
                await uow.accounts.save(current)
        session = new_session(ctx, account, command.client, now)
        await uow.sessions.add(session)
        pair = await issue_tokens(ctx, uow, account, session, now)
        await uow.commit()
    log.info(
        "logged_in",
        account_id=str(account.id),
        session_id=str(session.id),
        by_email=looks_like_email(command.login),
    )
    return pair


async def refresh_session(command: RefreshSession, ctx: AuthContext) -> TokenPair:
    """Rotate: the presented token is spent; presenting it again revokes the whole session (RFC 9700)."""
    now = ctx.clock()
    async with ctx.uow() as uow:
        exchange = await uow.sessions.exchange_refresh_token(
            digest(command.refresh_token), now, reuse_interval_s=ctx.settings.refresh_reuse_interval_s
        )
        if exchange.outcome == "reused" and exchange.session_id is not None:
            session = await uow.sessions.get(exchange.session_id)
            if session is not None:
                revoked = await uow.sessions.revoke(
                    session.account_id, now, "refresh-token-reuse", only=session.id
                )
                await uow.commit()
                await ctx.denylist.deny(revoked)
                log.warning(
                    "refresh_token_reused", session_id=str(session.id), account_id=str(session.account_id)
                )
            raise InvalidGrant("This refresh token was already used; the session has been ended.")
        if exchange.outcome != "exchanged" or exchange.session_id is None:
            raise InvalidGrant("The refresh token is invalid, expired or already used.")
        session = await uow.sessions.get(exchange.session_id)
        account = None if session is None else await uow.accounts.get(session.account_id)
        if session is None or account is None or not session.is_live(now):
            raise InvalidGrant("The session has ended.")
        if not account.is_active:
            raise AccountDisabled()
        await uow.sessions.touch(session.id, now, ip=command.client.ip, user_agent=command.client.user_agent)
        pair = await issue_tokens(ctx, uow, account, session, now)
        await uow.commit()
    return pair
