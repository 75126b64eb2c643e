"""Kafka subscribers of the auth service: each translates an event into a command."""

from __future__ import annotations

from switchyard.auth.domain.commands import EraseAccount
from switchyard.auth.service_layer import handlers
from switchyard.auth.service_layer.unit_of_work import AuthUnitOfWork
from switchyard.common.contracts import Envelope, UserDeleted
from switchyard.common.runtime import ServiceRuntime


async def on_user_deleted(event: UserDeleted, _envelope: Envelope, uow: AuthUnitOfWork) -> None:
    await handlers.erase_account(EraseAccount(account_id=event.user_id), uow)


def subscribe_all(runtime: ServiceRuntime) -> None:
    runtime.subscribe(UserDeleted, on_user_deleted, AuthUnitOfWork)
