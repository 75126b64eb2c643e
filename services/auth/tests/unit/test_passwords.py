"""The password policy (NIST SP 800-63B): lengths in code points after NFKC, blocklist, guessability."""

from __future__ import annotations

import unicodedata

import pytest

from switchyard.auth.domain import passwords
from switchyard.auth.domain.errors import InvalidInput
from switchyard.auth.domain.passwords import PasswordPolicy, check_password

STRONG = "amber falcon drifts over quiet harbor"
DEFAULT = PasswordPolicy()
# Length rules alone: guessability off.
LENGTH_ONLY = PasswordPolicy(min_length=15, max_length=64, min_score=0)


def _refusal(password: str, policy: PasswordPolicy = DEFAULT, **kwargs) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        check_password(password, policy, **kwargs)
    return caught.value


def test_the_defaults_are_nist_single_factor():
    assert (DEFAULT.min_length, DEFAULT.max_length, DEFAULT.min_score) == (15, 128, 3)


def test_a_strong_password_is_returned_unchanged():
    assert check_password(STRONG, DEFAULT) == STRONG


def test_fourteen_characters_are_too_few_by_default():
    refusal = _refusal("k9#Wq2zPm4!vX7e"[:14])
    assert refusal.field == "password"
    assert str(refusal) == "Password must be at least 15 characters."


def test_the_minimum_is_configurable_down_to_eight():
    policy = PasswordPolicy(min_length=8, min_score=0)

    assert check_password("k9#Wq2zP", policy) == "k9#Wq2zP"
    assert str(_refusal("k9#Wq2z", policy)) == "Password must be at least 8 characters."
    assert "at least 15" in str(_refusal("k9#Wq2zP", PasswordPolicy(min_score=0)))


def test_the_maximum_length_is_accepted_and_one_more_is_not():
    at_max = (STRONG + " ") * 4
    at_max = at_max[: DEFAULT.max_length]

    assert check_password(at_max, DEFAULT) == at_max
    assert str(_refusal(at_max + "x")) == "Password must be at most 128 characters."


def test_length_counts_code_points_not_bytes():
    # 15 animals and plants: 15 code points, 60 bytes of UTF-8, 30 UTF-16 units.
    emoji = "🦊🌲🪐🎻🧭🦉🍋🛶🧲🪁🥨🦔🌋🎲🪴"
    assert len(emoji.encode()) == 60

    assert check_password(emoji, DEFAULT) == emoji
    assert "at most 14" in str(_refusal(emoji, PasswordPolicy(min_length=8, max_length=14, min_score=0)))


def test_length_is_counted_after_normalization():
    # "e" + combining acute is two code points typed, one ("é") after NFKC: 20 typed, 10 counted.
    composed = "e\u0301" * 10
    assert len(composed) == 20
    assert "at least 15" in str(_refusal(composed, LENGTH_ONLY))
    # The ligature "ﬃ" is one code point typed, three ("ffi") after NFKC.
    ligatures = "ﬃ" * 5
    assert check_password(ligatures, LENGTH_ONLY) == "ffi" * 5
    too_long = STRONG + "ﬁ" * 14  # 51 typed, 65 counted
    assert len(too_long) < LENGTH_ONLY.max_length
    assert "at most 64" in str(_refusal(too_long, LENGTH_ONLY))
    assert check_password(STRONG + "ﬁ" * 13, LENGTH_ONLY) == STRONG + "fi" * 13


def test_the_normalized_password_is_returned():
    fullwidth = "ａｍｂｅｒ falcon drifts over quiet harbor"  # noqa: RUF001 (the point of the test)
    assert check_password(fullwidth, DEFAULT) == STRONG
    assert passwords.normalize_password(fullwidth) == STRONG


def test_a_common_password_is_refused_whatever_its_case():
    policy = PasswordPolicy(min_length=8, min_score=0)
    for common in ("password", "PassWord", "hd764nw5d7e1vb1"):
        refusal = _refusal(common, policy)
        assert str(refusal) == "This password is on a list of common or breached passwords.", common


def test_a_long_but_guessable_password_is_refused_with_a_hint():
    refusal = _refusal("abcdefghijklmnop")
    assert str(refusal).startswith("This password is too easy to guess.")
    assert _refusal("aaaaaaaaaaaaaaaa").field == "password"


def test_the_score_threshold_is_configurable():
    assert check_password("abcdefghijklmnop", PasswordPolicy(min_score=0)) == "abcdefghijklmnop"


def test_the_users_own_names_make_a_password_guessable():
    password = "xk7qpz3mwv9rtb2!"
    assert check_password(password, DEFAULT) == password

    refusal = _refusal(password, user_inputs=("xk7qpz3mwv9rtb2", "someone@example.com"))
    assert str(refusal).startswith("This password is too easy to guess.")


def test_empty_user_inputs_are_ignored():
    assert check_password(STRONG, DEFAULT, user_inputs=("", "", "ada")) == STRONG


def test_the_refused_field_is_named_by_the_caller():
    assert _refusal("short", field="new_password").field == "new_password"


def test_a_huge_input_is_refused_before_any_work(monkeypatch):
    def no_work(*_args, **_kwargs):
        raise AssertionError("a password over four times the maximum must not be normalized or scored")

    monkeypatch.setattr(passwords, "normalize_password", no_work)
    monkeypatch.setattr(passwords, "zxcvbn", no_work)

    refusal = _refusal("x" * (DEFAULT.max_length * 4 + 1))
    assert str(refusal) == "Password must be at most 128 characters."
    assert str(_refusal("x" * 1_000_000)) == "Password must be at most 128 characters."


def test_up_to_four_times_the_maximum_is_counted_after_normalization():
    # Typed decomposed ("e" + combining acute) it is 138 code points, over the maximum; NFKC composes
    # it back to 128, so it is accepted.
    composed = ("ambér falcon drifts ovér quiét harbor " * 4)[: DEFAULT.max_length]
    decomposed = unicodedata.normalize("NFD", composed)
    assert len(decomposed) == 138

    assert check_password(decomposed, DEFAULT) == composed
    assert str(_refusal("x" * (DEFAULT.max_length * 4))) == "Password must be at most 128 characters."
