"""Encryption at rest for secrets auth must read back (TOTP seeds), with Fernet (AES-128-CBC + HMAC).

Without a key the value is stored as given, which the local stack accepts; set
``AUTH_TOTP_ENCRYPTION_KEY`` (``Fernet.generate_key()``) in production. Stored values carry a
prefix, so plain ones written before a key was set still read, and are sealed when next written.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

_SEALED = "fernet:"


class SecretUnreadable(Exception):
    """A sealed value cannot be opened: the key is missing or not the one it was sealed with."""


class SecretBox:
    def __init__(self, key: str | None) -> None:
        self._fernet = Fernet(key.encode()) if key else None

    def seal(self, plaintext: str) -> str:
        if self._fernet is None:
            return plaintext
        return _SEALED + self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, stored: str) -> str:
        if not stored.startswith(_SEALED):
            return stored
        if self._fernet is None:
            raise SecretUnreadable("a sealed secret needs AUTH_TOTP_ENCRYPTION_KEY")
        try:
            return self._fernet.decrypt(stored.removeprefix(_SEALED).encode()).decode()
        except InvalidToken:
            raise SecretUnreadable(
                "AUTH_TOTP_ENCRYPTION_KEY is not the key this secret was sealed with"
            ) from None
