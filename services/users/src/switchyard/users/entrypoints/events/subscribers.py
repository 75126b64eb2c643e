"""Kafka subscribers of the users service: each translates an event into a command."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from switchyard.common.contracts import AccountRegistered, EmailVerified, Envelope
from switchyard.common.runtime import ServiceRuntime
from switchyard.users.adapters.cache import ProfileCache
from switchyard.users.domain.commands import CreateProfile, MarkEmailVerified
from switchyard.users.domain.model import Role
from switchyard.users.service_layer import handlers
from switchyard.users.service_layer.unit_of_work import UsersUnitOfWork


def _create_profile(event: AccountRegistered) -> CreateProfile:
    return CreateProfile(
        user_id=event.account_id,
        email=event.email,
        username=event.username,
        full_name=event.full_name,
        email_verified=event.email_verified,
        role=Role(event.role),
    )


async def on_account_registered(event: AccountRegistered, _envelope: Envelope, uow: UsersUnitOfWork) -> None:
    await handlers.create_profile(_create_profile(event), uow)


async def on_accounts_registered(
    batch: Sequence[tuple[AccountRegistered, Envelope]], uow: UsersUnitOfWork
) -> None:
    # An import registers accounts by the thousand: one insert per batch.
    await handlers.create_profiles([_create_profile(event) for event, _envelope in batch], uow)


async def on_email_verified(event: EmailVerified, _envelope: Envelope, uow: UsersUnitOfWork) -> None:
    await handlers.mark_email_verified(MarkEmailVerified(user_id=event.account_id), uow)


def subscribe_all(runtime: ServiceRuntime, cache: ProfileCache) -> None:
    uow = partial(UsersUnitOfWork, cache=cache)
    runtime.subscribe(AccountRegistered, on_account_registered, uow, batch_handler=on_accounts_registered)
    runtime.subscribe(EmailVerified, on_email_verified, uow)
