"""Rules for the names an account is known by: email and username (pure, shared with ingest)."""

from __future__ import annotations

import re

from switchyard.auth.domain.errors import InvalidInput

USERNAME_PATTERN = re.compile(r"[a-z0-9_.-]{3,32}")
# Deliberately loose (RFC 5321 lengths, one @, a dot in the domain); the verification email is the real test.
# No control characters: NUL above all, which PostgreSQL text cannot hold.
_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_EMAIL_LENGTH = 254


def normalize_email(raw: str) -> str:
    """Trimmed and lower-cased, as stored and compared; raises InvalidInput when it is not an address."""
    email = raw.strip().lower()
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(email):
        raise InvalidInput("email", "Not a valid email address.")
    return email


def normalize_username(raw: str) -> str:
    """Trimmed and lower-cased; 3-32 characters of a-z, 0-9, '_', '.', '-'."""
    username = raw.strip().lower()
    if not USERNAME_PATTERN.fullmatch(username):
        raise InvalidInput("username", "Username must be 3-32 characters of a-z, 0-9, '_', '.' or '-'.")
    return username


def normalize_full_name(raw: str | None) -> str | None:
    """Trimmed, None when blank; raises InvalidInput when it holds control characters."""
    name = (raw or "").strip()
    if _CONTROL.search(name):
        raise InvalidInput("full_name", "Full name must not contain control characters.")
    return name or None


def admin_username(email: str) -> str:
    """The bootstrap admin's username: the local part of its email, reduced to the allowed characters."""
    local = re.sub(r"[^a-z0-9_.-]", "", email.split("@", 1)[0].lower())
    return (local if len(local) >= 3 else "admin")[:32]


def looks_like_email(login: str) -> bool:
    return "@" in login
