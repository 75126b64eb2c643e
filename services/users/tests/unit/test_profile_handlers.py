"""A person editing their own profile, and the email-verified mark (fake unit of work, no I/O)."""

from __future__ import annotations

import uuid

import pytest

from switchyard.common.contracts import UserEmailVerified, UserProfileUpdated
from switchyard.users.domain.commands import MarkEmailVerified, UpdateMyProfile
from switchyard.users.domain.errors import InvalidField, ProfileNotFound
from switchyard.users.domain.model import Profile
from switchyard.users.service_layer.handlers import mark_email_verified, update_my_profile


def _profile(**values) -> Profile:
    user_id = uuid.uuid4()
    return Profile(id=user_id, email=f"{user_id.hex[:8]}@example.com", username=user_id.hex[:8], **values)


async def test_an_update_stores_cleaned_values_and_announces_them(uow):
    user_id = uow.put(_profile(full_name="Ada", locale="en"))
    changes = {"full_name": "  Ada Lovelace ", "timezone": "Europe/London"}

    returned = await update_my_profile(UpdateMyProfile(user_id=user_id, changes=changes), uow)

    stored = uow.profiles.rows[user_id]
    assert (stored.full_name, stored.locale, stored.timezone, stored.version) == (
        "Ada Lovelace",
        "en",
        "Europe/London",
        2,
    )
    assert returned.etag == '"2"'
    assert uow.events == [
        UserProfileUpdated(user_id=user_id, full_name="Ada Lovelace", locale="en", timezone="Europe/London")
    ]
    assert uow.changed_ids == [user_id]
    assert uow.profiles.locked_for_update == [user_id]


async def test_none_clears_a_field(uow):
    user_id = uow.put(_profile(full_name="Ada", locale="en", timezone="UTC"))

    await update_my_profile(UpdateMyProfile(user_id=user_id, changes={"locale": None}), uow)

    stored = uow.profiles.rows[user_id]
    assert (stored.full_name, stored.locale, stored.timezone) == ("Ada", None, "UTC")
    assert uow.events == [UserProfileUpdated(user_id=user_id, full_name="Ada", locale=None, timezone="UTC")]


@pytest.mark.parametrize(
    "changes",
    [{}, {"full_name": "Ada"}, {"full_name": " Ada "}, {"locale": "en", "timezone": None}],
)
async def test_an_update_to_the_current_values_changes_nothing(uow, changes):
    user_id = uow.put(_profile(full_name="Ada", locale="en"))

    returned = await update_my_profile(UpdateMyProfile(user_id=user_id, changes=changes), uow)

    assert returned.version == 1
    assert uow.profiles.rows[user_id].version == 1
    assert (uow.events, uow.changed_ids) == ([], [])


@pytest.mark.parametrize("field", ["email", "username", "role", "is_active"])
async def test_fields_changed_elsewhere_are_refused_by_name(uow, field):
    user_id = uow.put(_profile())

    with pytest.raises(InvalidField) as raised:
        await update_my_profile(UpdateMyProfile(user_id=user_id, changes={"full_name": "X", field: "x"}), uow)

    assert raised.value.field == field
    assert uow.profiles.rows[user_id].full_name is None
    assert uow.events == []


async def test_one_bad_value_refuses_the_whole_update(uow):
    user_id = uow.put(_profile())
    changes = {"full_name": "Ada", "timezone": "Nowhere/Special"}

    with pytest.raises(InvalidField) as raised:
        await update_my_profile(UpdateMyProfile(user_id=user_id, changes=changes), uow)

    assert raised.value.field == "timezone"
    assert (uow.profiles.rows[user_id].full_name, uow.events) == (None, [])


async def test_a_bad_value_is_refused_before_the_profile_is_read(uow):
    """Validation costs no row lock: nothing is read for update when the input is invalid."""
    with pytest.raises(InvalidField):
        await update_my_profile(UpdateMyProfile(user_id=uuid.uuid4(), changes={"locale": "???"}), uow)

    assert uow.profiles.locked_for_update == []


async def test_updating_a_missing_profile_is_not_found(uow):
    with pytest.raises(ProfileNotFound):
        await update_my_profile(UpdateMyProfile(user_id=uuid.uuid4(), changes={"full_name": "Ada"}), uow)

    assert uow.events == []


async def test_marking_the_email_verified_saves_and_announces_it_once(uow):
    user_id = uow.put(_profile())

    await mark_email_verified(MarkEmailVerified(user_id=user_id), uow)
    await mark_email_verified(MarkEmailVerified(user_id=user_id), uow)

    stored = uow.profiles.rows[user_id]
    assert (stored.email_verified, stored.version) == (True, 2)
    assert uow.events == [UserEmailVerified(user_id=user_id)]
    assert uow.changed_ids == [user_id]


async def test_marking_an_unknown_profile_verified_does_nothing(uow):
    await mark_email_verified(MarkEmailVerified(user_id=uuid.uuid4()), uow)

    assert (uow.events, uow.changed_ids, uow.profiles.rows) == ([], [], {})
