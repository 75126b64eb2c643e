"""TOTP seeds sealed at rest: round trip, plain values from before a key, wrong or missing keys."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from switchyard.auth.adapters.secret_box import SecretBox, SecretUnreadable
from switchyard.auth.settings import load_auth_settings
from switchyard.common.settings import SettingsError

SEED = "JBSWY3DPEHPK3PXP"


def test_a_sealed_seed_opens_with_its_key_and_shows_nothing_of_itself() -> None:
    box = SecretBox(Fernet.generate_key().decode())

    sealed = box.seal(SEED)

    assert sealed.startswith("fernet:")
    assert SEED not in sealed
    assert box.open(sealed) == SEED
    assert box.seal(SEED) != sealed, "a fresh IV each time"


def test_without_a_key_seeds_are_stored_as_given_and_plain_ones_always_read() -> None:
    assert SecretBox(None).seal(SEED) == SEED
    assert SecretBox(Fernet.generate_key().decode()).open(SEED) == SEED


@pytest.mark.parametrize("key", [None, Fernet.generate_key().decode()])
def test_a_sealed_seed_without_its_key_is_refused_not_misread(key: str | None) -> None:
    sealed = SecretBox(Fernet.generate_key().decode()).seal(SEED)

    with pytest.raises(SecretUnreadable):
        SecretBox(key).open(sealed)


def test_a_malformed_key_is_a_setting_error_naming_the_variable() -> None:
    with pytest.raises(SettingsError) as caught:
        load_auth_settings({"AUTH_TOTP_ENCRYPTION_KEY": "not-a-key"})

    assert caught.value.variable == "AUTH_TOTP_ENCRYPTION_KEY"
    assert "not-a-key" not in repr(
        load_auth_settings({"AUTH_TOTP_ENCRYPTION_KEY": Fernet.generate_key().decode()})
    )
