"""Use cases of the notifications service: turning events into emails and inbox items, erasure."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

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
    await notify_many([command], uow, feed)


async def notify_many(commands: Sequence[Notify], uow: NotificationsUnitOfWork, feed: InboxFeed) -> None:
    """:func:`notify` for a batch of events (an import's invitations), a few queries for them all."""
    people = {command.user_id for command in commands if command.user_id is not None}
    erased = await uow.erased.among(people)
    opted_out = await uow.preferences.opted_out_of(people - erased)
    locales = await uow.recipients.locales(people - erased)
    emails: list[Delivery] = []
    for command in commands:
        user_id = command.user_id
        if user_id in erased:
            continue
        if command.email is not None:
            plan = command.email
            mine = opted_out.get(user_id, frozenset()) if user_id is not None else frozenset()
            suppressed = plan.category in mine and plan.category not in MANDATORY
            emails.append(
                Delivery(
                    recipient=plan.recipient,
                    template=plan.template,
                    source_event_id=command.source_event_id,
                    user_id=user_id,
                    category=plan.category,
                    locale=None if user_id is None else locales.get(user_id),
                    context=plan.context,
                    status=DeliveryStatus.SUPPRESSED if suppressed else DeliveryStatus.QUEUED,
                )
            )
        if command.inbox is not None and user_id is not None:
            await _add_to_inbox(command, user_id, uow, feed)
    await uow.deliveries.add_many(emails)


async def _add_to_inbox(
    command: Notify, user_id: UUID, uow: NotificationsUnitOfWork, feed: InboxFeed
) -> None:
    assert command.inbox is not None
    plan = command.inbox
    stored = await uow.inbox.add(
        InboxItem(
            user_id=user_id,
            category=plan.category,
            title=plan.title,
            body=plan.body,
            link=plan.link,
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
