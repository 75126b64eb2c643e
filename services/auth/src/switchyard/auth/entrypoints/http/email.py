"""``POST /email/verify`` and ``POST /email/verify/resend``."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Response, post
from litestar.params import JSONBody

from switchyard.auth.domain.commands import ResendVerification, VerifyEmail
from switchyard.auth.entrypoints.http.dependencies import Ctx
from switchyard.auth.entrypoints.http.schemas import EmailVerification
from switchyard.auth.service_layer import email_verification
from switchyard.common.http import CurrentPrincipal


class EmailController(Controller):
    path = "/email/verify"
    tags = ["email"]

    @post("/", status_code=204, summary="Verify my email address with the emailed token")
    async def verify(self, data: JSONBody[EmailVerification], ctx: Ctx) -> None:
        await email_verification.verify_email(VerifyEmail(token=data.token), ctx)

    @post("/resend", status_code=202, summary="Email me a new verification link")
    async def resend(self, principal: CurrentPrincipal, ctx: Ctx) -> Response[Any]:
        await email_verification.resend_verification(
            ResendVerification(account_id=UUID(principal.subject)), ctx
        )
        return Response({"detail": "A new verification link is on its way."}, status_code=202)
