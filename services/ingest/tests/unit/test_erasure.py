"""Right to erasure in ingest: a deleted user's onboarding record and the duplicate rows quoting them go,
everyone else's stay (no I/O)."""

from __future__ import annotations

import uuid

from switchyard.common.contracts import UserDeleted, to_envelope
from switchyard.common.identities import normalize_email
from switchyard.ingest.domain.commands import ForgetUser, RecordOnboardedUser
from switchyard.ingest.domain.model import OnboardedUser
from switchyard.ingest.domain.rows import MAX_QUOTED_CHARS, DuplicateCheck, ValidRow
from switchyard.ingest.entrypoints.events.subscribers import on_user_deleted
from switchyard.ingest.service_layer.handlers import forget_user, record_onboarded_users


async def _onboard(uow, name: str, username: str | None = None) -> uuid.UUID:
    user_id = uuid.uuid4()
    command = RecordOnboardedUser(user_id=user_id, email=f"{name}@example.com", username=username)
    await record_onboarded_users([command], uow)
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


async def test_forget_user_forgets_the_duplicate_rows_quoting_their_email_and_username(uow):
    forgotten = await _onboard(uow, "ada", "ada_l")
    await _onboard(uow, "grace", "grace_h")
    uow.imports.quoted = {"ada@example.com", "ada_l", "grace@example.com", "grace_h"}

    await forget_user(ForgetUser(user_id=forgotten), uow)

    assert uow.imports.forgotten == {"ada@example.com", "ada_l"}
    assert uow.imports.quoted == {"grace@example.com", "grace_h"}


async def test_a_person_recorded_without_a_username_has_their_email_forgotten(uow):
    forgotten = await _onboard(uow, "ada")
    uow.imports.quoted = {"ada@example.com", "ada"}

    await forget_user(ForgetUser(user_id=forgotten), uow)

    assert uow.imports.quoted == {"ada"}


async def test_a_long_email_is_forgotten_as_a_duplicate_row_quotes_it_cut_short(uow):
    email = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 50 + ".com"
    assert normalize_email(email) == email
    assert len(email) > MAX_QUOTED_CHARS
    claims = DuplicateCheck(
        [ValidRow(2, email, "ada", None, "user"), ValidRow(3, email, "grace", None, "user")]
    )
    (duplicate,) = claims.claims({}).duplicates
    assert duplicate.value == email[:MAX_QUOTED_CHARS]
    uow.imports.quoted = {duplicate.value}
    user_id = uuid.uuid4()
    await record_onboarded_users([RecordOnboardedUser(user_id=user_id, email=email, username="ada")], uow)

    await forget_user(ForgetUser(user_id=user_id), uow)

    assert uow.imports.forgotten == {duplicate.value}


async def test_an_erasure_for_someone_no_import_onboarded_forgets_no_rows(uow):
    uow.imports.quoted = {"ada@example.com"}

    await forget_user(ForgetUser(user_id=uuid.uuid4()), uow)

    assert uow.imports.quoted == {"ada@example.com"}


async def test_an_onboarding_answered_after_the_erasure_forgets_the_rows_quoting_them(uow) -> None:
    gone, kept = uuid.uuid4(), uuid.uuid4()
    uow.imports.quoted = {"gone@example.com", "gone_1", "kept@example.com"}
    await forget_user(ForgetUser(user_id=gone), uow)

    await record_onboarded_users(
        [
            RecordOnboardedUser(user_id=gone, email="gone@example.com", username="gone_1"),
            RecordOnboardedUser(user_id=kept, email="kept@example.com", username="kept_1"),
        ],
        uow,
    )

    assert uow.imports.quoted == {"kept@example.com"}
    assert await uow.onboarded.get(gone) is None
