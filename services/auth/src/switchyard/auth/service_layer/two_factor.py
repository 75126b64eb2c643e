"""TOTP (RFC 6238) two-factor authentication: enrolment, confirmation, backup codes, disabling."""

from __future__ import annotations

from dataclasses import dataclass

import pyotp

from switchyard.auth.domain.commands import ConfirmTotp, DisableTotp, StartTotpEnrolment
from switchyard.auth.domain.errors import Conflict, InvalidInput, NotFound
from switchyard.auth.domain.model import Account
from switchyard.auth.domain.secrets import digest, new_backup_codes, normalize_backup_code
from switchyard.auth.service_layer.brute_force import confirm_password
from switchyard.auth.service_layer.context import AuthContext

ISSUER_NAME = "Switchyard"
_STEP_S = 30
# One step either side tolerates clock drift between phone and server.
_DRIFT_STEPS = 1


@dataclass(frozen=True, slots=True)
class TotpEnrolment:
    secret: str
    otpauth_uri: str


def _matching_step(secret: str, code: str, now: float, after: int | None) -> int | None:
    """The time step whose code is ``code`` (within drift), if later than the last one accepted."""
    totp = pyotp.TOTP(secret)
    current = int(now // _STEP_S)
    for step in range(current - _DRIFT_STEPS, current + _DRIFT_STEPS + 1):
        if (after is None or step > after) and pyotp.utils.strings_equal(totp.at(step * _STEP_S), code):
            return step
    return None


async def verify_second_factor(ctx: AuthContext, account: Account, code: str) -> bool:
    """A TOTP code (each accepted once) or an unused backup code."""
    code = code.strip().replace(" ", "")
    now = ctx.clock()
    async with ctx.uow() as uow:
        current = await uow.accounts.get(account.id, for_update=True)
        if current is None or not current.totp_enabled or current.totp_secret is None:
            return False
        if code.isdigit():
            secret = ctx.secrets.open(current.totp_secret)
            step = _matching_step(secret, code, now.timestamp(), current.totp_last_step)
            if step is None:
                return False
            current.totp_last_step = step
            await uow.accounts.save(current)
        elif not await uow.backup_codes.consume(account.id, digest(normalize_backup_code(code)), now):
            return False
        await uow.commit()
    return True


async def start_enrolment(command: StartTotpEnrolment, ctx: AuthContext) -> TotpEnrolment:
    """A new secret, pending until confirmed with a code from the authenticator app.

    Needs the password: a stolen access token alone must not be able to lock the owner out.
    """
    async with ctx.uow() as uow:
        account = await uow.accounts.get(command.account_id)
    if account is None:
        raise NotFound("No such account.")
    await confirm_password(ctx, account, command.password)
    async with ctx.uow() as uow:
        account = await uow.accounts.get(command.account_id, for_update=True)
        if account is None:
            raise NotFound("No such account.")
        if account.totp_enabled:
            raise Conflict("Two-factor authentication is already on; disable it first.")
        secret = pyotp.random_base32()
        account.totp_secret = ctx.secrets.seal(secret)
        account.totp_last_step = None
        await uow.accounts.save(account)
        await uow.commit()
    uri = pyotp.TOTP(secret).provisioning_uri(name=account.email, issuer_name=ISSUER_NAME)
    return TotpEnrolment(secret=secret, otpauth_uri=uri)


async def confirm_enrolment(command: ConfirmTotp, ctx: AuthContext) -> list[str]:
    """Turn TOTP on once a code matches; returns the backup codes, shown this once only."""
    now = ctx.clock()
    codes = new_backup_codes()
    async with ctx.uow() as uow:
        account = await uow.accounts.get(command.account_id, for_update=True)
        if account is None:
            raise NotFound("No such account.")
        if account.totp_enabled:
            raise Conflict("Two-factor authentication is already on.")
        if account.totp_secret is None:
            raise Conflict("Start the enrolment first (POST /2fa/totp).")
        secret = ctx.secrets.open(account.totp_secret)
        step = _matching_step(secret, command.code.strip(), now.timestamp(), None)
        if step is None:
            raise InvalidInput("code", "The code does not match; check the authenticator app's clock.")
        account.totp_enabled_at, account.totp_last_step = now, step
        await uow.accounts.save(account)
        await uow.backup_codes.replace(account.id, [digest(c) for c in codes])
        await uow.commit()
    return codes


async def disable(command: DisableTotp, ctx: AuthContext) -> None:
    async with ctx.uow() as uow:
        account = await uow.accounts.get(command.account_id)
    if account is None:
        raise NotFound("No such account.")
    await confirm_password(ctx, account, command.password)
    async with ctx.uow() as uow:
        current = await uow.accounts.get(account.id, for_update=True)
        if current is None or current.totp_secret is None:
            raise Conflict("Two-factor authentication is not on.")
        current.totp_secret = current.totp_enabled_at = current.totp_last_step = None
        await uow.accounts.save(current)
        await uow.backup_codes.replace(current.id, [])
        await uow.commit()
