"""Opaque keyset cursors of paginated lists (what ``next_cursor`` holds), and their 422 answer."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from switchyard.common.http.problems import ProblemError


class InvalidCursor(Exception):
    def __init__(self) -> None:
        super().__init__("Malformed cursor: pass next_cursor from the previous page.")


def encode_cursor(kind: str, *values: Any) -> str:
    """``values`` (JSON-able) as a URL-safe token tagged with the list it belongs to."""
    raw = json.dumps([kind, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, kind: str) -> list[Any]:
    """The values of a token made by :func:`encode_cursor` for ``kind``; raises :class:`InvalidCursor`."""
    try:
        raw: Any = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor from None
    if not isinstance(raw, list) or not raw or raw[0] != kind:
        raise InvalidCursor
    return raw[1:]


def invalid_cursor_problem(exc: InvalidCursor) -> ProblemError:
    return ProblemError(
        422, None, str(exc), extra={"errors": [{"path": "query.cursor", "message": str(exc)}]}
    )
