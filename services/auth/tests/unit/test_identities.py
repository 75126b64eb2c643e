"""How an email address and a username are normalized (stored and compared) or refused."""

from __future__ import annotations

import pytest

from switchyard.auth.domain.errors import InvalidInput
from switchyard.auth.domain.identities import (
    admin_username,
    looks_like_email,
    normalize_email,
    normalize_full_name,
    normalize_username,
)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("ada@example.com", "ada@example.com"),
        ("  Ada.Lovelace@Example.COM \n", "ada.lovelace@example.com"),
        ("ada+tag@mail.example.co.uk", "ada+tag@mail.example.co.uk"),
        ("o'brien@example.com", "o'brien@example.com"),
        ("x" * 64 + "@example.com", "x" * 64 + "@example.com"),
        ("a@" + "b" * 250 + ".c", "a@" + "b" * 250 + ".c"),  # 254, the most RFC 5321 allows
    ],
)
def test_an_address_is_trimmed_and_lower_cased(raw: str, normalized: str):
    assert normalize_email(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "ada",
        "ada@example",
        "@example.com",
        "ada@@example.com",
        "ada@ex@ample.com",
        "ada lovelace@example.com",
        "ada@exa mple.com",
        "x" * 65 + "@example.com",
        "a@" + "b" * 251 + ".c",  # 255
        "' OR 1=1 --",
        "ada@example.com'; DROP TABLE accounts; --",
        # Control characters: PostgreSQL text cannot even hold NUL.
        "ada\x00@example.com",
        "ada@example.com\x00",
        "ada\x7f@example.com",
        "ada@exa\x1bmple.com",
    ],
)
def test_what_is_not_an_address_is_refused_naming_the_email_field(raw: str):
    with pytest.raises(InvalidInput) as caught:
        normalize_email(raw)
    assert caught.value.field == "email"
    assert str(caught.value) == "Not a valid email address."


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("ada", "ada"),
        ("  Ada_Lovelace \t", "ada_lovelace"),
        ("a.b-c_9", "a.b-c_9"),
        ("x" * 32, "x" * 32),
    ],
)
def test_a_username_is_trimmed_and_lower_cased(raw: str, normalized: str):
    assert normalize_username(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    ["", "ab", "x" * 33, "ada lovelace", "ada@example.com", "adá", "ada!", "' or 1=1 --", "ada\x00"],
)
def test_a_username_outside_the_pattern_is_refused_naming_the_username_field(raw: str):
    with pytest.raises(InvalidInput) as caught:
        normalize_username(raw)
    assert caught.value.field == "username"


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("  Ada Lovelace ", "Ada Lovelace"),
        ("Ada O'Brien; DROP TABLE accounts; --", "Ada O'Brien; DROP TABLE accounts; --"),
        ("Zoë 李", "Zoë 李"),
    ],
)
def test_a_full_name_is_trimmed_and_otherwise_kept(raw: str | None, normalized: str | None):
    assert normalize_full_name(raw) == normalized


@pytest.mark.parametrize("raw", ["Ada\x00", "Ada\nLovelace", "Ada\x1b[31m", "Ada\x7f"])
def test_a_full_name_with_control_characters_is_refused(raw: str):
    with pytest.raises(InvalidInput) as caught:
        normalize_full_name(raw)
    assert caught.value.field == "full_name"


def test_a_login_with_an_at_sign_is_an_email():
    assert looks_like_email("ada@example.com")
    assert not looks_like_email("ada")


@pytest.mark.parametrize(
    ("email", "username"), [("Admin@x.org", "admin"), ("ünï.côdé@x.org", "n.cd"), ("é@x.org", "admin")]
)
def test_the_bootstrap_admin_username_keeps_only_allowed_characters(email: str, username: str) -> None:
    assert admin_username(email) == username
    assert normalize_username(admin_username(email)) == username
