"""Bulk emails wait behind the ones someone waits for: invitations never delay a reset link."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from switchyard.notifications.domain.model import Category, Delivery

pytestmark = pytest.mark.integration


def _delivery(template: str, due: datetime) -> Delivery:
    return Delivery(
        recipient=f"u{uuid.uuid4().hex[:12]}@example.com",
        template=template,
        source_event_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        category=Category.ACCOUNT,
        next_attempt_at=due,
    )


async def test_a_due_reset_email_is_claimed_before_invitations_due_earlier(start_api) -> None:
    api = await start_api()  # a database of its own: no other test's deliveries to claim
    # Far in the future, so the running app's sender leaves them to this test's claims.
    later = datetime.now(UTC) + timedelta(days=365)
    invitations = [_delivery("invitation", later - timedelta(minutes=10 - i)) for i in range(5)]
    reset = _delivery("password-reset", later)
    async with api.uow() as uow:
        await uow.deliveries.add_many([*invitations, reset])
        await uow.commit()

    async with api.uow() as uow:
        first = await uow.deliveries.claim_due(later, limit=1, claim_s=60)
        rest = await uow.deliveries.claim_due(later, limit=10, claim_s=60)
        await uow.commit()

    assert [d.id for d in first] == [reset.id]
    assert [d.priority for d in first] == [0]
    # UPDATE ... RETURNING hands a batch back in no particular order.
    assert {d.id for d in rest} == {i.id for i in invitations}
    assert {d.priority for d in rest} == {1}


async def test_each_lane_claims_only_its_own_deliveries(start_api) -> None:
    api = await start_api()
    later = datetime.now(UTC) + timedelta(days=365)
    invitation, reset = _delivery("invitation", later), _delivery("password-reset", later)
    async with api.uow() as uow:
        await uow.deliveries.add_many([invitation, reset])
        await uow.commit()

    async with api.uow() as uow:
        bulk = await uow.deliveries.claim_due(later, limit=10, claim_s=60, bulk=True)
        interactive = await uow.deliveries.claim_due(later, limit=10, claim_s=60, bulk=False)
        await uow.commit()

    assert [d.id for d in bulk] == [invitation.id]
    assert [d.id for d in interactive] == [reset.id]
