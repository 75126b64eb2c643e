"""Signed-in session management: ``POST /logout``, ``GET /sessions``, ``DELETE /sessions/{id}``."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, delete, get, post
from litestar.params import FromPath

from switchyard.auth.domain.commands import EndSession, LogOut
from switchyard.auth.entrypoints.http.dependencies import Ctx
from switchyard.auth.entrypoints.http.schemas import SessionRead
from switchyard.auth.service_layer import sessions
from switchyard.common.http import CurrentPrincipal, ProblemError


def _session_of(principal: CurrentPrincipal) -> UUID:
    if principal.session_id is None:
        raise ProblemError(401, None, "The access token names no session.")
    return UUID(principal.session_id)


class SessionController(Controller):
    path = "/"
    tags = ["sessions"]
    opt = {"idempotency": False}

    @post("/logout", status_code=204, summary="End my current session everywhere")
    async def logout(self, principal: CurrentPrincipal, ctx: Ctx) -> None:
        await sessions.log_out(
            LogOut(account_id=UUID(principal.subject), session_id=_session_of(principal)), ctx
        )

    @get("/sessions", summary="My active sessions")
    async def list_sessions(self, principal: CurrentPrincipal, ctx: Ctx) -> list[SessionRead]:
        live = await sessions.list_sessions(UUID(principal.subject), ctx)
        return [
            SessionRead(
                id=s.id,
                user_agent=s.user_agent,
                ip=s.ip,
                created_at=s.created_at,
                last_used_at=s.last_used_at,
                expires_at=s.expires_at,
                current=str(s.id) == principal.session_id,
            )
            for s in live
        ]

    @delete("/sessions/{session_id:uuid}", status_code=204, summary="End one of my sessions")
    async def end_session(self, session_id: FromPath[UUID], principal: CurrentPrincipal, ctx: Ctx) -> None:
        await sessions.end_session(EndSession(account_id=UUID(principal.subject), session_id=session_id), ctx)
