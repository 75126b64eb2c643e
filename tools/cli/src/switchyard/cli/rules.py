"""The import's row rules, copied from the ingest service so the generator knows good from bad.

Kept as a copy on purpose: the client must not depend on a service's code.
"""

from __future__ import annotations

import re

EMAIL_MAX = 254
FULL_NAME_MAX = 200
ROLES = frozenset({"user", "moderator", "admin"})

_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+")
_USERNAME = re.compile(r"[a-z0-9_.-]{3,32}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def normalize_email(value: str) -> str:
    return value.strip().lower()


def normalize_username(value: str) -> str:
    return value.strip().lower()


def email_valid(value: str) -> bool:
    email = normalize_email(value)
    return len(email) <= EMAIL_MAX and _EMAIL.fullmatch(email) is not None


def username_valid(value: str) -> bool:
    return _USERNAME.fullmatch(normalize_username(value)) is not None


def role_valid(value: str) -> bool:
    return (value.strip().lower() or "user") in ROLES


def full_name_valid(value: str) -> bool:
    name = value.strip()
    return _CONTROL.search(name) is None and len(name) <= FULL_NAME_MAX


def row_valid(email: str, username: str, full_name: str, role: str) -> bool:
    """The rules one row must pass on its own; uniqueness across rows is checked elsewhere."""
    return email_valid(email) and username_valid(username) and role_valid(role) and full_name_valid(full_name)
