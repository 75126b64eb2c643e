"""``/password/change``, ``/password/forgot`` and ``/password/reset``."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Response, post
from litestar.params import JSONBody

from switchyard.auth.domain.commands import ChangePassword, RequestPasswordReset, ResetPassword
from switchyard.auth.entrypoints.http.dependencies import Ctx
from switchyard.auth.entrypoints.http.schemas import PasswordChange, PasswordForgot, PasswordReset
from switchyard.auth.service_layer import passwords
from switchyard.common.http import CurrentPrincipal

FORGOT_ACCEPTED = {"detail": "If an account uses this email address, a reset link is on its way to it."}


class PasswordController(Controller):
    path = "/password"
    tags = ["passwords"]
    opt = {"idempotency": False}

    @post("/change", status_code=204, summary="Change my password (ends my other sessions)")
    async def change(self, data: JSONBody[PasswordChange], principal: CurrentPrincipal, ctx: Ctx) -> None:
        command = ChangePassword(
            account_id=UUID(principal.subject),
            session_id=UUID(principal.session_id) if principal.session_id else None,
            current_password=data.current_password,
            new_password=data.new_password,
        )
        await passwords.change_password(command, ctx)

    @post("/forgot", status_code=202, summary="Email a password reset link (same answer for unknown emails)")
    async def forgot(self, data: JSONBody[PasswordForgot], ctx: Ctx) -> Response[Any]:
        await passwords.request_password_reset(RequestPasswordReset(email=data.email), ctx)
        return Response(FORGOT_ACCEPTED, status_code=202)

    @post("/reset", status_code=204, summary="Set a new password with the emailed token (ends every session)")
    async def reset(self, data: JSONBody[PasswordReset], ctx: Ctx) -> None:
        await passwords.reset_password(ResetPassword(token=data.token, new_password=data.new_password), ctx)
