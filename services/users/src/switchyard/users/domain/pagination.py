"""Listing users: filters, sort orders and opaque keyset cursors (pure)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from switchyard.users.domain.errors import InvalidField
from switchyard.users.domain.model import Role

type SortKey = Literal["created_at", "-created_at", "username", "-username"]
SORT_KEYS: tuple[SortKey, ...] = ("created_at", "-created_at", "username", "-username")


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the previous page ended: the last row's sort value and id (ties broken by id)."""

    sort: SortKey
    value: datetime | str
    id: UUID

    def encode(self) -> str:
        value = self.value.isoformat() if isinstance(self.value, datetime) else self.value
        raw = json.dumps([self.sort, value, str(self.id)], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, sort: SortKey) -> Cursor:
        try:
            raw: Any = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            name, value, row_id = raw
            if name != sort:
                raise InvalidField("cursor", f"This cursor belongs to sort={name!r}; repeat that sort.")
            # PostgreSQL text cannot hold NUL: such a value would fail in the database, not here.
            if not isinstance(value, str) or not isinstance(row_id, str) or "\x00" in value:
                raise ValueError("not a cursor value")
            parsed = datetime.fromisoformat(value) if sort.endswith("created_at") else value
            return cls(sort=sort, value=parsed, id=UUID(row_id))
        except InvalidField:
            raise
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            raise InvalidField(
                "cursor", "Malformed cursor: pass next_cursor from the previous page."
            ) from None


@dataclass(frozen=True, slots=True)
class UserQuery:
    limit: int = 20
    sort: SortKey = "created_at"
    cursor: Cursor | None = None
    role: Role | None = None
    is_active: bool | None = None
    q: str | None = None

    def __post_init__(self) -> None:
        if self.q is not None and "\x00" in self.q:
            raise InvalidField("q", "The search text cannot contain NUL characters.")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    @property
    def column(self) -> str:
        return self.sort.lstrip("-")
