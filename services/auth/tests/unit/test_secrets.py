"""Opaque secrets: 256-bit tokens stored as SHA-256, and TOTP backup codes."""

from __future__ import annotations

import base64
import hashlib
import re

from switchyard.auth.domain.secrets import (
    BACKUP_CODE_COUNT,
    digest,
    new_backup_codes,
    new_token,
    normalize_backup_code,
)

BACKUP_CODE = re.compile(r"[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}")


def test_a_token_is_256_random_bits_url_safe():
    token, _ = new_token()

    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    assert len(base64.urlsafe_b64decode(token + "=")) == 32


def test_tokens_do_not_repeat():
    assert len({new_token()[0] for _ in range(1000)}) == 1000


def test_the_stored_digest_is_the_sha256_of_the_token():
    token, stored = new_token()

    assert stored == hashlib.sha256(token.encode()).digest() == digest(token)
    assert len(stored) == 32


def test_the_digest_is_stable():
    # The digest is what the database holds: it must never change for a given token.
    assert digest("abc").hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert digest("abc") == digest("abc") != digest("abd")


def test_a_digest_accepts_any_string_a_client_sends():
    # A lone surrogate cannot be UTF-8 encoded strictly; the digest still works (and matches nothing).
    assert len(digest("\ud800")) == 32
    assert len(digest("' OR 1=1 --\x00")) == 32


def test_backup_codes_are_ten_distinct_unambiguous_codes():
    codes = new_backup_codes()

    assert len(codes) == BACKUP_CODE_COUNT == 10
    assert len(set(codes)) == 10
    for code in codes:
        assert BACKUP_CODE.fullmatch(code), code
        assert not set(code) & set("01ilo"), "characters easily misread are left out"


def test_a_backup_code_is_normalized_however_it_is_typed():
    for typed in (
        "abcde-fghjk",
        "ABCDE-FGHJK",
        "abcdefghjk",
        " abcde fghjk ",
        "abc-de-fg-hjk",
        "Abcde_Fghjk",
    ):
        assert normalize_backup_code(typed) == "abcde-fghjk", typed


def test_every_generated_code_survives_normalization():
    for code in new_backup_codes():
        assert normalize_backup_code(code.upper().replace("-", " ")) == code
