"""Kafka subscribers of the notifications service: each translates an event into a command."""

from __future__ import annotations

from switchyard.common.contracts import AccountRegistered, Envelope, UserDeleted
from switchyard.common.runtime import ServiceRuntime
from switchyard.notifications.domain.commands import EraseUserData, QueueEmail
from switchyard.notifications.service_layer import handlers
from switchyard.notifications.service_layer.unit_of_work import NotificationsUnitOfWork


async def on_account_registered(
    event: AccountRegistered, envelope: Envelope, uow: NotificationsUnitOfWork
) -> None:
    template = "invitation" if event.invited else "verify-email"
    command = QueueEmail(
        recipient=event.email, template=template, source_event_id=envelope.id, user_id=event.account_id
    )
    await handlers.queue_email(command, uow)


async def on_user_deleted(event: UserDeleted, _envelope: Envelope, uow: NotificationsUnitOfWork) -> None:
    await handlers.erase_user_data(EraseUserData(user_id=event.user_id), uow)


def subscribe_all(runtime: ServiceRuntime) -> None:
    runtime.subscribe(AccountRegistered, on_account_registered, NotificationsUnitOfWork)
    runtime.subscribe(UserDeleted, on_user_deleted, NotificationsUnitOfWork)
