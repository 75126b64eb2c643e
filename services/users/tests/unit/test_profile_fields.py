"""The fields a person edits on their own profile: what is stored, what is refused (pure)."""

from __future__ import annotations

import pytest

from switchyard.users.domain.errors import InvalidField
from switchyard.users.domain.profile_fields import EDITABLE, MAX_FULL_NAME, NOT_EDITABLE_HERE, clean


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("full_name", "Ada Lovelace", "Ada Lovelace"),
        ("full_name", "  Ada  Lovelace \t", "Ada  Lovelace"),
        ("full_name", "   ", None),
        ("full_name", "", None),
        ("full_name", "Zoë 李 O'Brien-Smith", "Zoë 李 O'Brien-Smith"),
        ("full_name", "x" * MAX_FULL_NAME, "x" * MAX_FULL_NAME),
        ("locale", "en", "en"),
        ("locale", "pt-BR", "pt-BR"),
        ("locale", "zh-Hant-TW", "zh-Hant-TW"),
        ("locale", "gsw", "gsw"),
        ("locale", " fr ", "fr"),
        ("timezone", "Europe/Paris", "Europe/Paris"),
        ("timezone", "America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("timezone", "UTC", "UTC"),
        ("timezone", " Asia/Tokyo ", "Asia/Tokyo"),
    ],
)
def test_good_values_are_stored_trimmed(field, value, stored):
    assert clean(field, value) == stored


@pytest.mark.parametrize("field", EDITABLE)
def test_none_clears_any_editable_field(field):
    assert clean(field, None) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("full_name", "x" * (MAX_FULL_NAME + 1)),
        ("full_name", "Ada\x00"),
        ("full_name", "Ada\nLovelace"),
        ("full_name", "Ada\rLovelace"),
        ("full_name", "Ada\x1b[31m"),
        ("full_name", "Ada\x7f"),
        ("locale", "EN"),
        ("locale", "e"),
        ("locale", "english"),
        ("locale", "en_US"),
        ("locale", "en-"),
        ("locale", "en-a-very-long-subtag"),
        ("locale", ""),
        ("timezone", "Mars/Olympus_Mons"),
        ("timezone", "europe/paris"),
        ("timezone", "+02:00"),
        ("timezone", "../../etc/passwd"),
        ("timezone", ""),
    ],
)
def test_bad_values_are_an_invalid_field_naming_it(field, value):
    with pytest.raises(InvalidField) as raised:
        clean(field, value)

    assert raised.value.field == field
    assert str(raised.value)


@pytest.mark.parametrize("field", [*NOT_EDITABLE_HERE, "nickname", "id", "version"])
def test_a_field_not_edited_here_is_refused_by_name(field):
    with pytest.raises(InvalidField) as raised:
        clean(field, "anything")

    assert raised.value.field == field


def test_the_fields_refused_here_say_where_they_change():
    assert set(NOT_EDITABLE_HERE) == {"email", "username", "role", "is_active"}
    assert not set(NOT_EDITABLE_HERE) & set(EDITABLE)
    assert "auth" in NOT_EDITABLE_HERE["email"]
    assert "PATCH /{id}" in NOT_EDITABLE_HERE["role"]
