"""Use cases of the notifications service: turning events into emails and inbox items, erasure."""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from switchyard.notifications.adapters.live import InboxFeed
from switchyard.notifications.domain.commands import EraseUserData, Notify, RememberRecipient
from switchyard.notifications.domain.model import MANDATORY, Delivery, DeliveryStatus, InboxItem
from switchyard.notifications.service_layer.unit_of_work import NotificationsUnitOfWork

log = structlog.get_logger(__name__)


async def notify(command: Notify, uow: NotificationsUnitOfWork, feed: InboxFeed) -> None:
    """Queue the email and store the inbox item a source event asks for, at most once each.

    An email in a category the person opted out of is logged as suppressed, never sent; security
    and account messages always go. The inbox item reaches live streams once the commit is done.
    """
    user_id = command.user_id
    if user_id is not None and await uow.erased.contains(user_id):
        return
    opted_out = await uow.preferences.opted_out(user_id) if user_id is not None else frozenset()
    if command.email is not None:
        plan = command.email
        locale = None
        if user_id is not None:
            known = await uow.recipients.get(user_id)
            locale = known[2] if known else None
        suppressed = plan.category in opted_out and plan.category not in MANDATORY
        await uow.deliveries.add(
            Delivery(
                recipient=plan.recipient,
                template=plan.template,
                source_event_id=command.source_event_id,
                user_id=user_id,
                category=plan.category,
                locale=locale,
                context=plan.context,
                status=DeliveryStatus.SUPPRESSED if suppressed else DeliveryStatus.QUEUED,
            )
        )
    if command.inbox is not None and user_id is not None:
        plan_inbox = command.inbox
        stored = await uow.inbox.add(
            InboxItem(
                user_id=user_id,
                category=plan_inbox.category,
                title=plan_inbox.title,
                body=plan_inbox.body,
                link=plan_inbox.link,
                source_event_id=command.source_event_id,
            )
        )
        if stored is not None:
            uow.after_commit(lambda: feed.publish(stored))


async def remember_recipients(commands: Sequence[RememberRecipient], uow: NotificationsUnitOfWork) -> None:
    """Keep what the events say of these people; nothing of those erased already."""
    erased = await uow.erased.among(command.user_id for command in commands)
    await uow.recipients.remember([command for command in commands if command.user_id not in erased])


async def erase_user_data(command: EraseUserData, uow: NotificationsUnitOfWork) -> int:
    """Forget the user's deliveries, inbox, preferences and address; refuse anything later about them."""
    await uow.erased.record(command.user_id)
    await uow.inbox.delete_for_user(command.user_id)
    await uow.preferences.delete(command.user_id)
    await uow.recipients.delete(command.user_id)
    erased = await uow.deliveries.delete_for_user(command.user_id)
    log.info("user_data_erased", user_id=str(command.user_id), deliveries=erased)
    return erased
