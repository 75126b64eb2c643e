"""Every password or code check goes through here, so brute-force limits cover them all alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import structlog

from switchyard.auth.domain.errors import WrongPassword
from switchyard.auth.domain.model import Account
from switchyard.auth.domain.passwords import normalize_password
from switchyard.auth.service_layer.context import AuthContext
from switchyard.common.contracts import AccountLocked

log = structlog.get_logger(__name__)


def throttle_subject(account: Account | None, login: str) -> str:
    """Count per account (whichever of its names is typed), or per typed name when none matches."""
    return f"account:{account.id}" if account is not None else f"login:{login}"


@dataclass(frozen=True, slots=True)
class Attempt:
    """A reserved attempt: end it with exactly one of failed, succeeded or abandoned."""

    ctx: AuthContext
    subject: str
    ip: str | None
    number: int

    async def failed(self, account: Account | None) -> None:
        lockout = await self.ctx.throttle.failed(self.subject, self.number)
        if lockout is None or account is None:
            return
        log.warning("account_locked", account_id=str(account.id), seconds=lockout.duration_s)
        async with self.ctx.uow() as uow:
            uow.add_event(
                AccountLocked(
                    account_id=account.id,
                    email=account.email,
                    failed_attempts=lockout.failures,
                    locked_until=self.ctx.clock() + timedelta(seconds=lockout.duration_s),
                )
            )
            await uow.commit()

    async def succeeded(self) -> None:
        await self.ctx.throttle.succeeded(self.subject, self.ip)

    async def abandoned(self) -> None:
        await self.ctx.throttle.release(self.subject, self.ip)


async def begin_attempt(ctx: AuthContext, subject: str, ip: str | None) -> Attempt:
    """Reserve an attempt, or raise TooManyAttempts (locked, or too many checks in flight)."""
    return Attempt(ctx=ctx, subject=subject, ip=ip, number=await ctx.throttle.reserve(subject, ip))


async def confirm_password(ctx: AuthContext, account: Account, password: str) -> None:
    """Re-authentication before a sensitive change; wrong answers count toward the limit."""
    attempt = await begin_attempt(ctx, throttle_subject(account, ""), None)
    if not await ctx.hasher.verify(account.password_hash, normalize_password(password)):
        await attempt.failed(account)
        raise WrongPassword()
    await attempt.succeeded()
