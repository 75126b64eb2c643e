"""The notifications handlers against a fake unit of work: what a source event turns into (no I/O)."""

from __future__ import annotations

import uuid

import pytest

from switchyard.notifications.domain.commands import EraseUserData, Notify, RememberRecipient
from switchyard.notifications.domain.messages import EmailPlan, InboxPlan
from switchyard.notifications.domain.model import Category, DeliveryStatus
from switchyard.notifications.service_layer.handlers import erase_user_data, notify, remember_recipients


def _notify(
    user_id: uuid.UUID | None,
    *,
    category: Category = Category.ACCOUNT,
    template: str = "verify-email",
    source_event_id: uuid.UUID | None = None,
    email: bool = True,
    inbox: bool = True,
) -> Notify:
    return Notify(
        source_event_id=source_event_id or uuid.uuid4(),
        user_id=user_id,
        email=EmailPlan("ada@example.com", template, category, {"link": "https://app.example/x"})
        if email
        else None,
        inbox=InboxPlan(category, "Title", "Body", "https://app.example/y") if inbox else None,
    )


async def test_notify_queues_the_email_of_the_plan(uow, feed):
    user = uuid.uuid4()
    command = _notify(user, inbox=False)

    await notify(command, uow, feed)

    (delivery,) = uow.deliveries.rows
    assert (delivery.recipient, delivery.template, delivery.category) == (
        "ada@example.com",
        "verify-email",
        Category.ACCOUNT,
    )
    assert (delivery.source_event_id, delivery.user_id) == (command.source_event_id, user)
    assert (delivery.status, delivery.attempts, delivery.locale) == (DeliveryStatus.QUEUED, 0, None)
    assert delivery.context == {"link": "https://app.example/x"}


async def test_notify_renders_in_the_recipients_known_locale(uow, feed):
    user = uuid.uuid4()
    await remember_recipients([RememberRecipient(user_id=user, email="ada@example.com", locale="fr-CA")], uow)

    await notify(_notify(user, inbox=False), uow, feed)

    (delivery,) = uow.deliveries.rows
    assert delivery.locale == "fr-CA"


async def test_an_opted_out_optional_category_is_logged_as_suppressed(uow, feed):
    user = uuid.uuid4()
    uow.preferences.opted[user] = frozenset({Category.IMPORTS})

    await notify(_notify(user, category=Category.IMPORTS, template="import-completed"), uow, feed)
    await notify(_notify(uuid.uuid4(), category=Category.IMPORTS, template="import-completed"), uow, feed)

    assert [d.status for d in uow.deliveries.rows] == [DeliveryStatus.SUPPRESSED, DeliveryStatus.QUEUED]
    # Opting out concerns email; the in-app inbox still shows what happened.
    assert len(uow.inbox.items) == 2


@pytest.mark.parametrize("category", [Category.SECURITY, Category.ACCOUNT])
async def test_mandatory_categories_are_never_suppressed(uow, feed, category: Category):
    user = uuid.uuid4()
    # Even a stored opt-out (the API refuses one) cannot silence security and account messages.
    uow.preferences.opted[user] = frozenset(Category)

    await notify(_notify(user, category=category), uow, feed)

    (delivery,) = uow.deliveries.rows
    assert delivery.status is DeliveryStatus.QUEUED


async def test_notify_about_an_erased_user_does_nothing(uow, feed):
    user = uuid.uuid4()
    await uow.erased.record(user)

    await notify(_notify(user), uow, feed)
    await uow.commit()

    assert (uow.deliveries.rows, uow.inbox.items, feed.published) == ([], [], [])


async def test_one_delivery_and_one_inbox_item_per_source_event(uow, feed):
    user = uuid.uuid4()
    command = _notify(user)

    await notify(command, uow, feed)
    await uow.commit()
    await notify(command, uow, feed)
    await uow.commit()

    assert len(uow.deliveries.rows) == 1
    assert len(uow.inbox.items) == 1
    assert len(feed.published) == 1


async def test_another_template_for_the_same_source_event_is_another_delivery(uow, feed):
    source = uuid.uuid4()

    await notify(_notify(None, source_event_id=source), uow, feed)
    await notify(_notify(None, source_event_id=source, template="invitation"), uow, feed)

    assert [d.template for d in uow.deliveries.rows] == ["verify-email", "invitation"]


async def test_the_inbox_item_is_stored_and_published_only_after_commit(uow, feed):
    user = uuid.uuid4()
    command = _notify(user, category=Category.SECURITY, email=False)

    await notify(command, uow, feed)

    (item,) = uow.inbox.items
    assert (item.user_id, item.source_event_id, item.category) == (
        user,
        command.source_event_id,
        Category.SECURITY,
    )
    assert (item.title, item.body, item.link) == ("Title", "Body", "https://app.example/y")
    assert item.seq is not None
    assert feed.published == []

    await uow.commit()

    assert feed.published == [item]
    assert uow.deliveries.rows == []


async def test_nothing_is_published_when_the_transaction_does_not_commit(uow, feed):
    await notify(_notify(uuid.uuid4()), uow, feed)

    assert len(uow.inbox.items) == 1
    assert feed.published == []


async def test_an_inbox_item_needs_a_user(uow, feed):
    await notify(_notify(None), uow, feed)
    await uow.commit()

    assert len(uow.deliveries.rows) == 1
    assert (uow.inbox.items, feed.published) == ([], [])


async def test_remember_recipient_keeps_what_a_later_event_leaves_out(uow):
    user = uuid.uuid4()

    await remember_recipients(
        [RememberRecipient(user_id=user, email="ada@example.com", full_name="Ada")], uow
    )
    await remember_recipients([RememberRecipient(user_id=user, full_name="Ada L.", locale="fr")], uow)

    assert await uow.recipients.get(user) == ("ada@example.com", "Ada L.", "fr")


async def test_remember_recipient_ignores_an_erased_user(uow):
    user = uuid.uuid4()
    await erase_user_data(EraseUserData(user_id=user), uow)

    await remember_recipients([RememberRecipient(user_id=user, email="ada@example.com")], uow)

    assert await uow.recipients.get(user) is None
    assert uow.recipients.known == {}
