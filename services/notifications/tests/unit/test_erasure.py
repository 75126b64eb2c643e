"""Right to erasure in notifications: everything held about the user goes, a tombstone stays (no I/O)."""

from __future__ import annotations

import uuid

from switchyard.notifications.domain.commands import EraseUserData, Notify, RememberRecipient
from switchyard.notifications.domain.messages import EmailPlan, InboxPlan
from switchyard.notifications.domain.model import Category
from switchyard.notifications.service_layer.handlers import erase_user_data, notify, remember_recipients


async def _hold_data_about(uow, feed, user_id: uuid.UUID, email: str) -> None:
    """A recipient row, a preference, two deliveries and an inbox item for ``user_id``."""
    await remember_recipients([RememberRecipient(user_id=user_id, email=email, full_name="Someone")], uow)
    uow.preferences.opted[user_id] = frozenset({Category.IMPORTS})
    for template in ("verify-email", "password-reset"):
        await notify(
            Notify(
                source_event_id=uuid.uuid4(),
                user_id=user_id,
                email=EmailPlan(email, template, Category.SECURITY, {"link": "https://app.example/t"}),
                inbox=InboxPlan(Category.SECURITY, "Title", "Body"),
            ),
            uow,
            feed,
        )
    await uow.commit()


async def test_erase_user_data_forgets_everything_about_that_user_and_no_one_else(uow, feed):
    erased, kept = uuid.uuid4(), uuid.uuid4()
    await _hold_data_about(uow, feed, erased, "erased@example.com")
    await _hold_data_about(uow, feed, kept, "kept@example.com")

    assert await erase_user_data(EraseUserData(user_id=erased), uow) == 2

    assert {d.user_id for d in uow.deliveries.rows} == {kept}
    assert {i.user_id for i in uow.inbox.items} == {kept}
    assert set(uow.preferences.opted) == {kept}
    assert set(uow.recipients.known) == {kept}
    assert uow.erased.ids == {erased}


async def test_erasing_again_or_a_stranger_removes_nothing_more(uow, feed):
    user, other = uuid.uuid4(), uuid.uuid4()
    await _hold_data_about(uow, feed, other, "other@example.com")

    assert await erase_user_data(EraseUserData(user_id=user), uow) == 0
    assert await erase_user_data(EraseUserData(user_id=user), uow) == 0

    assert len(uow.deliveries.rows) == 2
    assert uow.erased.ids == {user}


async def test_events_about_an_erased_user_arriving_late_leave_no_trace(uow, feed):
    user = uuid.uuid4()
    await _hold_data_about(uow, feed, user, "gone@example.com")
    await erase_user_data(EraseUserData(user_id=user), uow)
    published = len(feed.published)

    await _hold_data_about(uow, feed, user, "gone@example.com")

    assert (uow.deliveries.rows, uow.inbox.items, uow.recipients.known) == ([], [], {})
    assert len(feed.published) == published
