"""The ingest handler and subscriber against a fake unit of work (no I/O)."""

from __future__ import annotations

import uuid

from switchyard.common.contracts import UserCreated, to_envelope
from switchyard.ingest.domain.model import OnboardedUser
from switchyard.ingest.entrypoints.events.subscribers import on_user_created


async def test_user_created_is_recorded_as_onboarded(uow):
    event = UserCreated(user_id=uuid.uuid4(), email="ada@example.com", username="ada", role="user")

    await on_user_created(event, to_envelope(event, source="users"), uow)

    assert uow.onboarded.rows == {
        event.user_id: OnboardedUser(user_id=event.user_id, email="ada@example.com")
    }
