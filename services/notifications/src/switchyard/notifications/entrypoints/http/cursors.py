"""Opaque keyset cursors of the paginated lists (what ``next_cursor`` holds)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from switchyard.common.http.cursors import InvalidCursor
from switchyard.common.http.cursors import decode_cursor as _decode
from switchyard.common.http.cursors import encode_cursor as _encode
from switchyard.notifications.service_layer.deliveries import Position


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
