"""``POST /register`` against the real stack: identities, the password policy and the events it emits."""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Any

import pytest

from switchyard.common.contracts import (
    AccountRegistered,
    DuplicateRegistrationAttempted,
    EmailVerificationRequested,
)
from switchyard.common.http import PROBLEM_JSON

pytestmark = pytest.mark.integration

# conftest.STRONG (conftest modules are not importable under --import-mode=importlib).
STRONG = "amber falcon drifts over quiet harbor"

# Emoji, kanji, kana and ASCII; NFKC leaves it unchanged.
UNICODE_PASSWORD = "🦊 狐は静かな森を歩く moonlit 42"


def _fullwidth(text: str) -> str:
    """ASCII letters and digits as their fullwidth forms (U+FF01..), which NFKC folds back."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


# The same password typed on a keyboard that produces fullwidth Latin letters and digits.
FULLWIDTH_PASSWORD = _fullwidth(UNICODE_PASSWORD)


async def _register(auth, **body: Any):
    name = auth.unique()
    payload = {"email": f"{name}@example.com", "username": name, "password": STRONG, **body}
    return await auth.client.post("/register", json=payload)


def _assert_invalid(response, field: str, message_part: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    errors = response.json()["errors"]
    assert [e["path"] for e in errors] == [f"body.{field}"], errors
    assert message_part.lower() in errors[0]["message"].lower(), errors


async def test_register_answers_201_with_the_normalized_account(auth) -> None:
    response = await auth.client.post(
        "/register",
        json={"email": "  Ada.Lovelace@Example.COM ", "username": " Ada_L ", "password": STRONG},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "email", "username"}
    assert body["email"] == "ada.lovelace@example.com"
    assert body["username"] == "ada_l"
    # The stored (normalized) names log in.
    assert (await auth.login("ada.lovelace@example.com"))["token_type"] == "Bearer"


async def test_duplicate_email_is_a_409_naming_the_email_whatever_its_case(auth) -> None:
    await auth.register(email="grace@example.com")
    response = await _register(auth, email=" GRACE@Example.com")
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    problem = response.json()
    assert problem["status"] == 409
    assert problem["field"] == "email"


async def test_duplicate_username_is_a_409_naming_the_username_whatever_its_case(auth) -> None:
    await auth.register(username="hopper")
    response = await _register(auth, username="HoPPer")
    assert response.status_code == 409, response.text
    assert response.json()["field"] == "username"


@pytest.mark.parametrize(
    "username",
    [
        pytest.param("ab", id="too-short"),
        pytest.param("a" * 33, id="too-long"),
        pytest.param("bad name", id="space"),
        pytest.param("bad!name", id="punctuation"),
        pytest.param("müller", id="non-ascii"),
    ],
)
async def test_username_rules_answer_422_naming_the_username(auth, username: str) -> None:
    _assert_invalid(await _register(auth, username=username), "username", "3-32 characters")


async def test_username_rule_bounds_are_inclusive(auth) -> None:
    assert (await _register(auth, username="abc")).status_code == 201
    assert (await _register(auth, username="a.b-c_" + "d" * 26)).status_code == 201


async def test_password_shorter_than_15_is_refused(auth) -> None:
    # Strong enough for zxcvbn, only too short.
    _assert_invalid(await _register(auth, password="k7#Qm2vX9pLw4z"), "password", "at least 15")


async def test_a_configured_minimum_of_8_allows_a_strong_10_character_password(start_auth) -> None:
    auth = await start_auth(password_min_length=8)
    account = await auth.register(password="k7#Qm2vX9p")
    assert (await auth.login(account["username"], "k7#Qm2vX9p"))["token_type"] == "Bearer"
    _assert_invalid(await _register(auth, password="k7#Qm2v"), "password", "at least 8")


async def test_password_of_128_characters_is_accepted_and_129_refused(auth) -> None:
    long = hashlib.sha512(b"switchyard").hexdigest()
    assert len(long) == 128
    account = await auth.register(password=long)
    assert (await auth.login(account["username"], long))["token_type"] == "Bearer"
    _assert_invalid(await _register(auth, password=long + "f"), "password", "at most 128")


@pytest.mark.parametrize("password", ["1qaz2wsx3edc4rfv", "Qwerty123456789"])
async def test_a_password_on_the_breached_list_is_refused(auth, password: str) -> None:
    _assert_invalid(await _register(auth, password=password), "password", "common or breached")


@pytest.mark.parametrize("password", ["passwordpassword", "1234567890123456", "aaaaaaaaaaaaaaaa"])
async def test_a_guessable_password_is_refused(auth, password: str) -> None:
    _assert_invalid(await _register(auth, password=password), "password", "too easy to guess")


async def test_a_password_built_on_the_username_is_refused_when_that_makes_it_guessable(auth) -> None:
    # Random-looking to zxcvbn on its own (score 4), but mostly the username (score 2).
    password = "zq7vtk9wxm2024!"
    _assert_invalid(await _register(auth, username="zq7vtk9wxm", password=password), "password", "guess")
    # The same password is fine for someone whose name it does not contain...
    assert (await _register(auth, username="someoneelse", password=password)).status_code == 201
    # ...and containing the username is fine when the rest is strong.
    assert (await _register(auth, username="zq7vtk9wxm", password=f"zq7vtk9wxm {STRONG}")).status_code == 201


async def test_a_non_ascii_password_is_accepted_and_logs_in_in_any_nfkc_equivalent_form(auth) -> None:
    assert FULLWIDTH_PASSWORD != UNICODE_PASSWORD
    assert unicodedata.normalize("NFKC", FULLWIDTH_PASSWORD) == UNICODE_PASSWORD
    account = await auth.register(password=UNICODE_PASSWORD)
    assert (await auth.login(account["username"], UNICODE_PASSWORD))["token_type"] == "Bearer"
    assert (await auth.login(account["email"], FULLWIDTH_PASSWORD))["token_type"] == "Bearer"
    wrong = await auth.token(grant_type="password", username=account["username"], password="🦊 狐は静かな森")
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"


async def test_a_fullwidth_password_registers_as_its_nfkc_form(auth) -> None:
    account = await auth.register(password=FULLWIDTH_PASSWORD)
    assert (await auth.login(account["username"], UNICODE_PASSWORD))["token_type"] == "Bearer"


async def test_registration_emits_account_registered_and_email_verification_requested(
    auth, published
) -> None:
    account = await auth.register(email="Linus@Example.com", username="linus", full_name=" Linus T ")
    (registered,) = await published(AccountRegistered)
    assert str(registered.account_id) == account["id"]
    assert (registered.email, registered.username, registered.full_name) == (
        "linus@example.com",
        "linus",
        "Linus T",
    )
    assert registered.role == "user"
    assert registered.invited is False
    assert registered.email_verified is False
    (verification,) = await published(EmailVerificationRequested)
    assert str(verification.account_id) == account["id"]
    assert verification.email == "linus@example.com"
    assert verification.resent is False
    assert len(verification.token) >= 32
    # The token in the event is the one that verifies the address.
    assert (await auth.client.post("/email/verify", json={"token": verification.token})).status_code == 204


async def test_enumeration_safe_registration_answers_a_taken_email_like_a_new_one(
    start_auth, published, relayed
) -> None:
    auth = await start_auth(enumeration_safe_registration=True)
    new = await auth.client.post(
        "/register", json={"email": "owner@example.com", "username": "owner", "password": STRONG}
    )
    taken = await auth.client.post(
        "/register",
        json={"email": "Owner@Example.com", "username": "intruder", "password": f"{STRONG} again"},
    )
    assert (new.status_code, taken.status_code) == (202, 202), (new.text, taken.text)
    assert new.json() == taken.json()
    assert new.headers["content-type"] == taken.headers["content-type"]
    # The new account exists; the attempt created nothing but a notice to the owner.
    assert (await auth.login("owner"))["token_type"] == "Bearer"
    intruder = await auth.token(grant_type="password", username="intruder", password=f"{STRONG} again")
    assert intruder.status_code == 400
    await relayed(auth)
    # One account registered: the attempt on the taken email created none.
    (registered,) = await published(AccountRegistered)
    (attempt,) = await published(DuplicateRegistrationAttempted)
    assert attempt.account_id == registered.account_id
    assert attempt.email == "owner@example.com"
