"""Rules for the names an account is known by (pure): auth enforces them, ingest checks rows against them."""

from __future__ import annotations

import re

ROLES = ("user", "moderator", "admin")
USERNAME_PATTERN = re.compile(r"[a-z0-9_.-]{3,32}")
# Deliberately loose (RFC 5321 lengths, one @, a dot in the domain); the verification email is the real test.
# No control characters: NUL above all, which PostgreSQL text cannot hold.
_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_EMAIL_LENGTH = 254
MAX_FULL_NAME_LENGTH = 200


class InvalidIdentity(ValueError):
    """A value breaks one of the rules; ``field`` names which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def normalize_email(raw: str) -> str:
    """Trimmed and lower-cased, as stored and compared; raises when it is not an address."""
    email = raw.strip().lower()
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(email):
        raise InvalidIdentity("email", "Not a valid email address.")
    return email


def normalize_username(raw: str) -> str:
    """Trimmed and lower-cased; 3-32 characters of a-z, 0-9, '_', '.', '-'."""
    username = raw.strip().lower()
    if not USERNAME_PATTERN.fullmatch(username):
        raise InvalidIdentity("username", "Username must be 3-32 characters of a-z, 0-9, '_', '.' or '-'.")
    return username


def normalize_full_name(raw: str | None) -> str | None:
    """Trimmed, None when blank; raises when it holds control characters or is too long."""
    name = (raw or "").strip()
    if _CONTROL.search(name):
        raise InvalidIdentity("full_name", "Full name must not contain control characters.")
    if len(name) > MAX_FULL_NAME_LENGTH:
        raise InvalidIdentity("full_name", f"Full name must be at most {MAX_FULL_NAME_LENGTH} characters.")
    return name or None


def normalize_role(raw: str | None) -> str:
    """Trimmed and lower-cased; blank means ``user``."""
    role = (raw or "").strip().lower() or "user"
    if role not in ROLES:
        raise InvalidIdentity("role", f"Role must be one of {', '.join(ROLES)}.")
    return role
