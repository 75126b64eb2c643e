"""Use cases of the notifications service."""

from __future__ import annotations

from switchyard.notifications.domain.commands import EraseUserData, QueueEmail
from switchyard.notifications.domain.model import Delivery
from switchyard.notifications.service_layer.unit_of_work import NotificationsUnitOfWork


async def queue_email(command: QueueEmail, uow: NotificationsUnitOfWork) -> bool:
    """Record an email to send; False when this source event already has one or the user was erased."""
    if command.user_id is not None and await uow.erased.contains(command.user_id):
        return False
    delivery = Delivery(
        recipient=command.recipient,
        template=command.template,
        source_event_id=command.source_event_id,
        user_id=command.user_id,
    )
    return await uow.deliveries.add(delivery)


async def erase_user_data(command: EraseUserData, uow: NotificationsUnitOfWork) -> int:
    """Forget the user's deliveries (recipient addresses included) and refuse later ones; how many went."""
    await uow.erased.record(command.user_id)
    return await uow.deliveries.delete_for_user(command.user_id)
