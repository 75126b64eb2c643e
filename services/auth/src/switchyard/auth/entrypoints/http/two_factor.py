"""TOTP two-factor authentication: ``/2fa/totp``, ``/2fa/totp/confirm``, ``/2fa/totp/disable``."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, post
from litestar.params import JSONBody

from switchyard.auth.domain.commands import ConfirmTotp, DisableTotp, StartTotpEnrolment
from switchyard.auth.entrypoints.http.dependencies import Ctx
from switchyard.auth.entrypoints.http.schemas import (
    BackupCodesRead,
    TotpConfirm,
    TotpDisable,
    TotpEnrolmentRead,
    TotpStart,
)
from switchyard.auth.service_layer import two_factor
from switchyard.common.http import CurrentPrincipal


class TwoFactorController(Controller):
    path = "/2fa/totp"
    tags = ["two-factor"]
    # Responses carry secrets (the TOTP seed, backup codes): never stored for replays.
    opt = {"idempotency": False}

    @post(
        "/", status_code=201, summary="Start TOTP enrolment (needs the password): secret and otpauth:// URI"
    )
    async def start(
        self, data: JSONBody[TotpStart], principal: CurrentPrincipal, ctx: Ctx
    ) -> TotpEnrolmentRead:
        enrolment = await two_factor.start_enrolment(
            StartTotpEnrolment(account_id=UUID(principal.subject), password=data.password), ctx
        )
        return TotpEnrolmentRead(secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri)

    @post(
        "/confirm", status_code=200, summary="Turn TOTP on with a first code; returns single-use backup codes"
    )
    async def confirm(
        self, data: JSONBody[TotpConfirm], principal: CurrentPrincipal, ctx: Ctx
    ) -> BackupCodesRead:
        codes = await two_factor.confirm_enrolment(
            ConfirmTotp(account_id=UUID(principal.subject), code=data.code), ctx
        )
        return BackupCodesRead(backup_codes=codes)

    @post("/disable", status_code=204, summary="Turn TOTP off (needs the password)")
    async def disable(self, data: JSONBody[TotpDisable], principal: CurrentPrincipal, ctx: Ctx) -> None:
        await two_factor.disable(DisableTotp(account_id=UUID(principal.subject), password=data.password), ctx)
