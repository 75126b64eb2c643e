"""Opaque keyset cursors of the paginated lists (what ``next_cursor`` holds)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from switchyard.notifications.service_layer.deliveries import Position


class InvalidCursor(Exception):
    def __init__(self) -> None:
        super().__init__("Malformed cursor: pass next_cursor from the previous page.")


def _encode(kind: str, *values: Any) -> str:
    raw = json.dumps([kind, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, kind: str) -> list[Any]:
    try:
        raw: Any = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor from None
    if not isinstance(raw, list) or not raw or raw[0] != kind:
        raise InvalidCursor
    return raw[1:]


def encode_seq(seq: int) -> str:
    return _encode("inbox", seq)


def decode_seq(token: str) -> int:
    values = _decode(token, "inbox")
    # bool is an int, but never a seq.
    if len(values) != 1 or not isinstance(values[0], int) or isinstance(values[0], bool) or values[0] < 1:
        raise InvalidCursor
    return values[0]


def encode_position(position: Position) -> str:
    return _encode("deliveries", position.created_at.isoformat(), str(position.id))


def decode_position(token: str) -> Position:
    values = _decode(token, "deliveries")
    try:
        created_at, row_id = values
        moment = datetime.fromisoformat(created_at)
        if moment.tzinfo is None:
            raise ValueError("naive time")
        return Position(moment, UUID(row_id))
    except (ValueError, TypeError, AttributeError):
        raise InvalidCursor from None
