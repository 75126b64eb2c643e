"""Right to erasure in ingest: a deleted user's onboarding record goes, everyone else's stays (no I/O)."""

from __future__ import annotations

import uuid

from switchyard.common.contracts import UserDeleted, to_envelope
from switchyard.ingest.domain.commands import ForgetUser, RecordOnboardedUser
from switchyard.ingest.domain.model import OnboardedUser
from switchyard.ingest.entrypoints.events.subscribers import on_user_deleted
from switchyard.ingest.service_layer.handlers import forget_user, record_onboarded_users


async def _onboard(uow, name: str) -> uuid.UUID:
    user_id = uuid.uuid4()
    await record_onboarded_users([RecordOnboardedUser(user_id=user_id, email=f"{name}@example.com")], uow)
    return user_id


async def test_forget_user_drops_that_users_record_only(uow):
    forgotten, kept = await _onboard(uow, "ada"), await _onboard(uow, "grace")

    await forget_user(ForgetUser(user_id=forgotten), uow)

    assert uow.onboarded.rows == {kept: OnboardedUser(user_id=kept, email="grace@example.com")}


async def test_forget_user_again_or_for_a_stranger_changes_nothing(uow):
    forgotten, kept = await _onboard(uow, "ada"), await _onboard(uow, "grace")
    await forget_user(ForgetUser(user_id=forgotten), uow)

    await forget_user(ForgetUser(user_id=forgotten), uow)
    await forget_user(ForgetUser(user_id=uuid.uuid4()), uow)

    assert list(uow.onboarded.rows) == [kept]


async def test_user_deleted_forgets_the_user(uow):
    forgotten, kept = await _onboard(uow, "ada"), await _onboard(uow, "grace")
    event = UserDeleted(user_id=forgotten)

    await on_user_deleted(event, to_envelope(event, source="users"), uow)

    assert await uow.onboarded.get(forgotten) is None
    assert await uow.onboarded.get(kept) == OnboardedUser(user_id=kept, email="grace@example.com")


async def test_an_onboarding_answered_after_the_erasure_records_nothing(uow) -> None:
    gone, kept = uuid.uuid4(), uuid.uuid4()
    await forget_user(ForgetUser(user_id=gone), uow)

    await record_onboarded_users(
        [
            RecordOnboardedUser(user_id=gone, email="gone@example.com"),
            RecordOnboardedUser(user_id=kept, email="kept@example.com"),
        ],
        uow,
    )

    assert await uow.onboarded.get(gone) is None
    assert await uow.onboarded.get(kept) == OnboardedUser(user_id=kept, email="kept@example.com")
