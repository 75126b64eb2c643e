"""``POST /invitations/accept``: an imported person sets their first password."""

from __future__ import annotations

from litestar import Controller, post
from litestar.params import JSONBody

from switchyard.auth.domain.commands import AcceptInvitation
from switchyard.auth.entrypoints.http.dependencies import Ctx
from switchyard.auth.entrypoints.http.schemas import InvitationAccept
from switchyard.auth.service_layer import invitations


class InvitationController(Controller):
    path = "/invitations"
    tags = ["invitations"]
    opt = {"idempotency": False}

    @post("/accept", status_code=204, summary="Accept an invitation by setting a password")
    async def accept(self, data: JSONBody[InvitationAccept], ctx: Ctx) -> None:
        await invitations.accept_invitation(AcceptInvitation(token=data.token, password=data.password), ctx)
