"""Listing and ending sessions: logout, RFC 7009 revocation, ending one session from the list."""

from __future__ import annotations

from uuid import UUID

from switchyard.auth.domain.commands import EndSession, LogOut, RevokeRefreshToken
from switchyard.auth.domain.errors import NotFound
from switchyard.auth.domain.model import Session
from switchyard.auth.domain.secrets import digest
from switchyard.auth.service_layer.context import AuthContext


async def list_sessions(account_id: UUID, ctx: AuthContext) -> list[Session]:
    async with ctx.uow() as uow:
        return await uow.sessions.list_live(account_id, ctx.clock())


async def log_out(command: LogOut, ctx: AuthContext) -> None:
    """End the caller's session: its refresh tokens go, its access tokens are denied everywhere."""
    await _end(ctx, command.account_id, command.session_id, "logout")


async def end_session(command: EndSession, ctx: AuthContext) -> None:
    if not await _end(ctx, command.account_id, command.session_id, "ended-by-user"):
        raise NotFound("You have no active session with this id.")


async def revoke_refresh_token(command: RevokeRefreshToken, ctx: AuthContext, *, caller: UUID | None) -> None:
    """RFC 7009: ends the token's session; unknown tokens are not an error (2.2).

    A signed-in caller may revoke only their own tokens.
    """
    async with ctx.uow() as uow:
        session_id = await uow.sessions.session_of_refresh_token(digest(command.refresh_token))
        session = None if session_id is None else await uow.sessions.get(session_id)
    if session is None:
        return
    if caller is not None and session.account_id != caller:
        raise NotFound("This refresh token is not one of yours.")
    await _end(ctx, session.account_id, session.id, "revoked")


async def _end(ctx: AuthContext, account_id: UUID, session_id: UUID, reason: str) -> bool:
    """End the account's session; False when it was not live. Another account's session is left alone."""
    async with ctx.uow() as uow:
        revoked = bool(await uow.sessions.revoke(account_id, ctx.clock(), reason, only=session_id))
        session = None if revoked else await uow.sessions.get(session_id)
        if revoked or (session is not None and session.account_id == account_id):
            # Before the commit: if Redis is down nothing is ended and the client can retry;
            # denying an already ended session again is harmless.
            await ctx.denylist.deny([session_id])
        await uow.commit()
    return revoked
