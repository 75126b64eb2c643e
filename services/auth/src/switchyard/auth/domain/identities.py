"""Rules for the names an account is known by: the shared rules, raising auth's own InvalidInput."""

from __future__ import annotations

import re
from collections.abc import Callable

from switchyard.auth.domain.errors import InvalidInput
from switchyard.common import identities
from switchyard.common.identities import InvalidIdentity


def _by_auth_rules[T](rule: Callable[[T], T], raw: T) -> T:
    try:
        return rule(raw)
    except InvalidIdentity as exc:
        raise InvalidInput(exc.field, str(exc)) from None


def normalize_email(raw: str) -> str:
    """Trimmed and lower-cased, as stored and compared; raises InvalidInput when it is not an address."""
    return _by_auth_rules(identities.normalize_email, raw)


def normalize_username(raw: str) -> str:
    """Trimmed and lower-cased; 3-32 characters of a-z, 0-9, '_', '.', '-'."""
    return _by_auth_rules(identities.normalize_username, raw)


def normalize_full_name(raw: str | None) -> str | None:
    """Trimmed, None when blank; raises InvalidInput when it holds control characters."""
    return _by_auth_rules(identities.normalize_full_name, raw)


def admin_username(email: str) -> str:
    """The bootstrap admin's username: the local part of its email, reduced to the allowed characters."""
    local = re.sub(r"[^a-z0-9_.-]", "", email.split("@", 1)[0].lower())
    return (local if len(local) >= 3 else "admin")[:32]


def looks_like_email(login: str) -> bool:
    return "@" in login
