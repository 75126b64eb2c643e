"""Verifying an account's email address with an emailed token, and sending a new one."""

from __future__ import annotations

from switchyard.auth.domain.commands import ResendVerification, VerifyEmail
from switchyard.auth.domain.errors import Conflict, InvalidToken, NotFound
from switchyard.auth.domain.secrets import digest
from switchyard.auth.service_layer.context import AuthContext
from switchyard.auth.service_layer.registration import request_verification
from switchyard.common.contracts import EmailVerified


async def verify_email(command: VerifyEmail, ctx: AuthContext) -> None:
    async with ctx.uow() as uow:
        account_id = await uow.one_time_tokens.consume(
            digest(command.token), purpose="verify-email", now=ctx.clock()
        )
        account = None if account_id is None else await uow.accounts.get(account_id, for_update=True)
        if account is None:
            raise InvalidToken("The verification link is invalid, expired or already used.")
        if not account.email_verified:
            account.email_verified = True
            await uow.accounts.save(account)
            uow.add_event(EmailVerified(account_id=account.id, email=account.email))
        await uow.commit()


async def resend_verification(command: ResendVerification, ctx: AuthContext) -> None:
    async with ctx.uow() as uow:
        account = await uow.accounts.get(command.account_id)
        if account is None:
            raise NotFound("No such account.")
        if account.email_verified:
            raise Conflict("This email address is already verified.")
        await request_verification(ctx, uow, account, resent=True)
        await uow.commit()
