"""The notifications handler and subscriber against a fake unit of work (no I/O)."""

from __future__ import annotations

import uuid

import pytest

from switchyard.common.contracts import AccountRegistered, to_envelope
from switchyard.notifications.domain.commands import QueueEmail
from switchyard.notifications.domain.model import DeliveryStatus
from switchyard.notifications.entrypoints.events.subscribers import on_account_registered
from switchyard.notifications.service_layer.handlers import queue_email


def _queue_email(source_event_id: uuid.UUID, template: str = "verify-email") -> QueueEmail:
    return QueueEmail(recipient="ada@example.com", template=template, source_event_id=source_event_id)


async def test_queue_email_records_a_queued_delivery(uow):
    source = uuid.uuid4()

    assert await queue_email(_queue_email(source), uow) is True

    (delivery,) = uow.deliveries.rows
    assert (delivery.recipient, delivery.template, delivery.source_event_id) == (
        "ada@example.com",
        "verify-email",
        source,
    )
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.QUEUED, 0)


async def test_queue_email_for_the_same_event_and_template_again_is_false(uow):
    source = uuid.uuid4()

    assert await queue_email(_queue_email(source), uow) is True
    assert await queue_email(_queue_email(source), uow) is False
    assert await queue_email(_queue_email(source, template="invitation"), uow) is True

    assert [d.template for d in uow.deliveries.rows] == ["verify-email", "invitation"]


@pytest.mark.parametrize(("invited", "template"), [(False, "verify-email"), (True, "invitation")])
async def test_account_registered_queues_the_matching_email(uow, invited: bool, template: str):
    event = AccountRegistered(
        account_id=uuid.uuid4(),
        email="ada@example.com",
        username="ada",
        full_name=None,
        email_verified=False,
        invited=invited,
    )
    envelope = to_envelope(event, source="auth")

    await on_account_registered(event, envelope, uow)

    (delivery,) = uow.deliveries.rows
    assert (delivery.template, delivery.source_event_id, delivery.user_id) == (
        template,
        envelope.id,
        event.account_id,
    )
