"""The OAuth 2.0 grants: password (with a second factor when enabled) and refresh-token rotation."""

from __future__ import annotations

import structlog

from switchyard.auth.adapters.password_hasher import HashingOverloaded
from switchyard.auth.domain.commands import LogIn, RefreshSession
from switchyard.auth.domain.errors import AccountDisabled, InvalidGrant
from switchyard.auth.domain.identities import looks_like_email
from switchyard.auth.domain.model import Account
from switchyard.auth.domain.passwords import normalize_password
from switchyard.auth.domain.secrets import digest
from switchyard.auth.service_layer.brute_force import begin_attempt, throttle_subject
from switchyard.auth.service_layer.context import AuthContext
from switchyard.auth.service_layer.tokens import TokenPair, issue_tokens, new_session
from switchyard.auth.service_layer.two_factor import verify_second_factor

log = structlog.get_logger(__name__)

BAD_CREDENTIALS = "Invalid username or password."


async def log_in(command: LogIn, ctx: AuthContext) -> TokenPair:
    login = command.login.strip().lower()
    async with ctx.uow() as uow:
        account = await uow.accounts.find_by_login(login) if login else None
    attempt = await begin_attempt(ctx, throttle_subject(account, login), command.client.ip)
    password = normalize_password(command.password)
    too_long = len(password) > ctx.settings.password_max_length
    # Unknown accounts verify against a dummy hash: same answer, about the same time.
    verified_hash = None if too_long or account is None else account.password_hash
    try:
        matched = await ctx.hasher.verify(verified_hash, password)
    except HashingOverloaded:
        await attempt.abandoned()
        raise
    if account is None or not matched:
        await attempt.failed(account)
        raise InvalidGrant(BAD_CREDENTIALS)
    if not account.is_active:
        await attempt.abandoned()
        raise AccountDisabled()
    if account.totp_enabled:
        if not command.otp:
            await attempt.abandoned()
            raise InvalidGrant("A two-factor code is required: send it in the otp field.")
        if not await verify_second_factor(ctx, account, command.otp):
            await attempt.failed(account)
            raise InvalidGrant("Invalid two-factor code.")
    await attempt.succeeded()
    return await _start_session(ctx, account, password, command)


async def _start_session(ctx: AuthContext, verified: Account, password: str, command: LogIn) -> TokenPair:
    now = ctx.clock()
    new_hash = None
    if verified.password_hash and ctx.hasher.needs_rehash(verified.password_hash):
        new_hash = await ctx.hasher.hash(password)
    async with ctx.uow() as uow:
        # Read again under a lock: a password change, deactivation or erasure may have won the race
        # while the hash was being checked, and must not be outlived by this new session.
        account = await uow.accounts.get(verified.id, for_update=True)
        if account is None or account.password_hash != verified.password_hash:
            raise InvalidGrant(BAD_CREDENTIALS)
        if not account.is_active:
            raise AccountDisabled()
        if new_hash is not None:
            account.password_hash = new_hash
            await uow.accounts.save(account)
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
    token_digest = digest(command.refresh_token)
    async with ctx.uow() as uow:
        session_id = await uow.sessions.session_of_refresh_token(token_digest)
        # The session row first, as logout and password changes lock it: one lock order, no deadlock.
        session = None if session_id is None else await uow.sessions.get(session_id, for_update=True)
        if session is None:
            raise InvalidGrant("The refresh token is invalid, expired or already used.")
        exchange = await uow.sessions.exchange_refresh_token(
            token_digest, now, reuse_interval_s=ctx.settings.refresh_reuse_interval_s
        )
        if exchange.outcome == "reused":
            revoked = await uow.sessions.revoke(
                session.account_id, now, "refresh-token-reuse", only=session.id
            )
            await ctx.denylist.deny(revoked)
            await uow.commit()
            log.warning(
                "refresh_token_reused", session_id=str(session.id), account_id=str(session.account_id)
            )
            raise InvalidGrant("This refresh token was already used; the session has been ended.")
        if exchange.outcome != "exchanged":
            raise InvalidGrant("The refresh token is invalid, expired or already used.")
        account = await uow.accounts.get(session.account_id)
        if account is None or not session.is_live(now):
            raise InvalidGrant("The session has ended.")
        if not account.is_active:
            raise AccountDisabled()
        await uow.sessions.touch(session.id, now, ip=command.client.ip, user_agent=command.client.user_agent)
        pair = await issue_tokens(ctx, uow, account, session, now)
        await uow.commit()
    return pair
