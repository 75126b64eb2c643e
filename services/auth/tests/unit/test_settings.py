"""``AUTH_*`` settings read from an environment mapping."""

from __future__ import annotations

import pytest

from switchyard.auth.settings import AuthSettings, load_auth_settings
from switchyard.common.settings import SettingsError


def test_an_empty_environment_gives_the_secure_defaults():
    settings = load_auth_settings({})

    assert settings == AuthSettings()
    assert (settings.password_min_length, settings.password_max_length, settings.password_min_score) == (
        15,
        128,
        3,
    )
    assert (settings.login_max_failures, settings.login_window_s, settings.login_lockout_s) == (5, 900, 60)
    assert settings.access_token_ttl_s == 900
    assert settings.refresh_reuse_interval_s == 0
    assert settings.enumeration_safe_registration is False
    assert settings.signing_key_passphrase is None
    assert settings.bootstrap_admin_email is None


def test_the_given_mapping_is_read_not_the_process_environment(monkeypatch):
    monkeypatch.setenv("AUTH_PASSWORD_MIN_LENGTH", "7")
    monkeypatch.setenv("AUTH_LOGIN_MAX_FAILURES", "9")

    assert load_auth_settings({}).login_max_failures == 5


def test_values_are_parsed_from_strings():
    settings = load_auth_settings(
        {
            "AUTH_PASSWORD_MIN_LENGTH": "8",
            "AUTH_LOGIN_MAX_FAILURES": "3",
            "AUTH_ENUMERATION_SAFE_REGISTRATION": "true",
            "AUTH_SIGNING_KEY_PASSPHRASE": "correct horse",
            "AUTH_PUBLIC_URL": "https://example.com/api/v1/auth",
            "UNRELATED": "ignored",
        }
    )

    assert settings.password_min_length == 8
    assert settings.login_max_failures == 3
    assert settings.enumeration_safe_registration is True
    assert settings.signing_key_passphrase == "correct horse"
    assert settings.public_url == "https://example.com/api/v1/auth"


@pytest.mark.parametrize(("raw", "parsed"), [("true", True), ("TRUE", True), ("false", False), ("", False)])
def test_enumeration_safe_registration_is_a_boolean(raw: str, parsed: bool):
    settings = load_auth_settings({"AUTH_ENUMERATION_SAFE_REGISTRATION": raw})
    assert settings.enumeration_safe_registration is parsed


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        ("AUTH_PASSWORD_MIN_LENGTH", "7"),
        ("AUTH_PASSWORD_MIN_LENGTH", "65"),
        ("AUTH_PASSWORD_MIN_LENGTH", "fifteen"),
        ("AUTH_PASSWORD_MAX_LENGTH", "63"),
        ("AUTH_PASSWORD_MIN_SCORE", "5"),
        ("AUTH_LOGIN_WINDOW_S", "0"),
        ("AUTH_REFRESH_REUSE_INTERVAL_S", "61"),
        ("AUTH_ARGON2_MEMORY_KIB", "1024"),
        ("AUTH_ENUMERATION_SAFE_REGISTRATION", "maybe"),
    ],
)
def test_an_invalid_value_is_refused_naming_the_variable(variable: str, raw: str):
    with pytest.raises(SettingsError) as caught:
        load_auth_settings({variable: raw})

    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"{variable}: invalid value {raw!r}")
