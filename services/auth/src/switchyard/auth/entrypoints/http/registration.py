"""``POST /register``: self sign-up."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Response, post
from litestar.params import JSONBody

from switchyard.auth.domain.commands import RegisterAccount
from switchyard.auth.entrypoints.http.dependencies import Ctx
from switchyard.auth.entrypoints.http.schemas import AccountCreate, AccountCreated, RegistrationAccepted
from switchyard.auth.service_layer import registration


class RegistrationController(Controller):
    path = "/register"
    tags = ["accounts"]

    @post(
        "/",
        status_code=201,
        summary="Create an account",
        description="201 with the account; 409 when the email or username is taken. With "
        "AUTH_ENUMERATION_SAFE_REGISTRATION=true a taken email answers 202 like a new one would.",
    )
    async def register(self, data: JSONBody[AccountCreate], ctx: Ctx) -> Response[Any]:
        command = RegisterAccount(
            account_id=uuid.uuid4(),
            email=data.email,
            username=data.username,
            password=data.password,
            full_name=data.full_name,
        )
        result = await registration.register_account(command, ctx)
        if ctx.settings.enumeration_safe_registration or result.account is None:
            return Response(RegistrationAccepted(), status_code=202)
        account = result.account
        return Response(
            AccountCreated(id=account.id, email=account.email, username=account.username), status_code=201
        )
