"""Opaque secrets handed to clients (refresh, one-time, backup): random values stored only as SHA-256."""

from __future__ import annotations

import hashlib
import secrets

_TOKEN_BYTES = 32
BACKUP_CODE_COUNT = 10
_BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def digest(token: str) -> bytes:
    """A 256-bit random token needs no slow hash: SHA-256 of it cannot be reversed or guessed."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def new_token() -> tuple[str, bytes]:
    """A URL-safe token with 256 bits of entropy, and the digest to store."""
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    return token, digest(token)


def new_backup_codes() -> list[str]:
    """Ten codes of 10 characters (about 49 bits each), grouped for reading: ``abcde-fghjk``."""
    codes = []
    for _ in range(BACKUP_CODE_COUNT):
        raw = "".join(secrets.choice(_BACKUP_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def normalize_backup_code(code: str) -> str:
    raw = "".join(ch for ch in code.lower() if ch.isalnum())
    return f"{raw[:5]}-{raw[5:]}"
