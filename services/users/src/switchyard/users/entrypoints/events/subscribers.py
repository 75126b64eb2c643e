"""Kafka subscribers of the users service: each translates an event into a command."""

from __future__ import annotations

from functools import partial

from switchyard.common.contracts import AccountRegistered, EmailVerified, Envelope
from switchyard.common.runtime import ServiceRuntime
from switchyard.users.adapters.cache import ProfileCache
from switchyard.users.domain.commands import CreateProfile, MarkEmailVerified
from switchyard.users.domain.model import Role
from switchyard.users.service_layer import handlers
from switchyard.users.service_layer.unit_of_work import UsersUnitOfWork


async def on_account_registered(event: AccountRegistered, _envelope: Envelope, uow: UsersUnitOfWork) -> None:
    command = CreateProfile(
        user_id=event.account_id,
        email=event.email,
        username=event.username,
        full_name=event.full_name,
        email_verified=event.email_verified,
        role=Role(event.role),
    )
    await handlers.create_profile(command, uow)


async def on_email_verified(event: EmailVerified, _envelope: Envelope, uow: UsersUnitOfWork) -> None:
    await handlers.mark_email_verified(MarkEmailVerified(user_id=event.account_id), uow)


def subscribe_all(runtime: ServiceRuntime, cache: ProfileCache) -> None:
    uow = partial(UsersUnitOfWork, cache=cache)
    runtime.subscribe(AccountRegistered, on_account_registered, uow)
    runtime.subscribe(EmailVerified, on_email_verified, uow)
