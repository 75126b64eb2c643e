"""Rules for the fields a person edits on their own profile (pure)."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from switchyard.users.domain.errors import InvalidField

EDITABLE = ("full_name", "locale", "timezone")
# Owned by auth (credentials) or by admins; named so the 422 can say where to change them.
NOT_EDITABLE_HERE = {
    "email": "The email address is changed through auth, not here.",
    "username": "The username cannot be changed.",
    "role": "Only an admin changes roles (PATCH /{id}).",
    "is_active": "Only an admin activates or deactivates users (PATCH /{id}).",
}
_LOCALE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_FULL_NAME = 200


def clean(field: str, value: str | None) -> str | None:
    """The value to store for ``field``, or InvalidField saying why not."""
    if value is None:
        return None
    value = value.strip()
    if field == "full_name":
        if len(value) > MAX_FULL_NAME or _CONTROL.search(value):
            raise InvalidField(
                field, f"Full name must be at most {MAX_FULL_NAME} characters, no control characters."
            )
        return value or None
    if field == "locale":
        if not _LOCALE.fullmatch(value):
            raise InvalidField(field, "Locale must be a BCP 47 language tag such as 'en' or 'pt-BR'.")
        return value
    if field == "timezone":
        if value not in _zones():
            raise InvalidField(field, "Timezone must be an IANA zone name such as 'Europe/Paris'.")
        return value
    raise InvalidField(field, f"Unknown field {field!r}.")


def _zones() -> set[str]:
    return available_timezones() or _probe_zones()


def _probe_zones() -> set[str]:  # pragma: no cover - only without a tz database
    try:
        ZoneInfo("UTC")
    except ZoneInfoNotFoundError:
        return set()
    return {"UTC"}
