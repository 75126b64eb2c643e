"""Right to erasure in notifications: a deleted user's deliveries go, everyone else's stay (no I/O)."""

from __future__ import annotations

import uuid

from switchyard.common.contracts import UserDeleted, to_envelope
from switchyard.notifications.domain.commands import EraseUserData, QueueEmail
from switchyard.notifications.entrypoints.events.subscribers import on_user_deleted
from switchyard.notifications.service_layer.handlers import erase_user_data, queue_email


async def _queue(uow, user_id: uuid.UUID | None, template: str = "verify-email") -> None:
    command = QueueEmail(
        recipient=f"{user_id}@example.com", template=template, source_event_id=uuid.uuid4(), user_id=user_id
    )
    assert await queue_email(command, uow) is True


async def test_erase_user_data_removes_every_delivery_of_that_user_and_no_other(uow):
    erased, kept = uuid.uuid4(), uuid.uuid4()
    await _queue(uow, erased)
    await _queue(uow, erased, template="password-reset")
    await _queue(uow, kept)
    await _queue(uow, None)

    assert await erase_user_data(EraseUserData(user_id=erased), uow) == 2

    assert [row.user_id for row in uow.deliveries.rows] == [kept, None]


async def test_erase_user_data_again_or_for_a_stranger_removes_nothing(uow):
    user = uuid.uuid4()
    await _queue(uow, user)
    assert await erase_user_data(EraseUserData(user_id=user), uow) == 1

    assert await erase_user_data(EraseUserData(user_id=user), uow) == 0
    assert await erase_user_data(EraseUserData(user_id=uuid.uuid4()), uow) == 0
    assert uow.deliveries.rows == []


async def test_user_deleted_erases_the_users_deliveries(uow):
    erased, kept = uuid.uuid4(), uuid.uuid4()
    await _queue(uow, erased)
    await _queue(uow, kept)
    event = UserDeleted(user_id=erased)

    await on_user_deleted(event, to_envelope(event, source="users"), uow)

    assert [row.user_id for row in uow.deliveries.rows] == [kept]


async def test_an_email_for_an_erased_user_arriving_late_is_never_queued(uow) -> None:
    import uuid

    from switchyard.notifications.domain.commands import EraseUserData, QueueEmail
    from switchyard.notifications.service_layer.handlers import erase_user_data, queue_email

    user_id = uuid.uuid4()
    await erase_user_data(EraseUserData(user_id=user_id), uow)

    late = QueueEmail(
        recipient="gone@example.com", template="verify-email", source_event_id=uuid.uuid4(), user_id=user_id
    )

    assert await queue_email(late, uow) is False
    assert uow.deliveries.rows == []
