"""Listing users: opaque keyset cursors and the query (pure)."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from switchyard.users.domain.errors import InvalidField
from switchyard.users.domain.model import Role
from switchyard.users.domain.pagination import SORT_KEYS, Cursor, UserQuery

ROW_ID = uuid.UUID("0b7e3c1a-5d2f-4c6b-9a8e-1f2d3c4b5a69")
WHEN = datetime(2025, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)


def _raw(*parts: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("sort", "value"),
    [
        ("created_at", WHEN),
        ("-created_at", WHEN),
        ("created_at", datetime(2025, 3, 4, 5, 6, 7, tzinfo=timezone(timedelta(hours=-3)))),
        ("username", "ada"),
        ("-username", 'zoë with spaces and "quotes"'),
        ("username", ""),
    ],
)
def test_a_cursor_survives_encoding(sort, value):
    cursor = Cursor(sort=sort, value=value, id=ROW_ID)

    token = cursor.encode()

    assert Cursor.decode(token, sort) == cursor
    assert "=" not in token
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_the_decoded_time_keeps_its_instant_and_zone():
    decoded = Cursor.decode(Cursor(sort="created_at", value=WHEN, id=ROW_ID).encode(), "created_at")

    assert decoded.value == WHEN
    assert isinstance(decoded.value, datetime)
    assert decoded.value.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not a cursor!",
        "%%%",
        "====",
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),
        _raw(),
        _raw("created_at", WHEN.isoformat()),
        _raw("created_at", WHEN.isoformat(), str(ROW_ID), "extra"),
        _raw("created_at", "yesterday", str(ROW_ID)),
        _raw("created_at", 1_700_000_000, str(ROW_ID)),
        _raw("created_at", None, str(ROW_ID)),
        _raw("created_at", WHEN.isoformat(), "not-a-uuid"),
        _raw("created_at", WHEN.isoformat(), 42),
        base64.urlsafe_b64encode(b'{"sort": 1}').decode(),
        base64.urlsafe_b64encode(b"null").decode(),
        base64.urlsafe_b64encode(b"[1, 2").decode(),
    ],
)
def test_a_malformed_cursor_is_an_invalid_cursor_field(token):
    with pytest.raises(InvalidField) as raised:
        Cursor.decode(token, "created_at")

    assert raised.value.field == "cursor"
    assert str(raised.value) == "Malformed cursor: pass next_cursor from the previous page."


@pytest.mark.parametrize(
    "value",
    [None, 7, ["a"], {"a": 1}, "a\x00b"],
    ids=["null", "number", "list", "object", "nul-character"],
)
def test_a_username_cursor_must_carry_a_storable_string(value):
    with pytest.raises(InvalidField) as raised:
        Cursor.decode(_raw("username", value, str(ROW_ID)), "username")

    assert raised.value.field == "cursor"


@pytest.mark.parametrize("made_for", SORT_KEYS)
@pytest.mark.parametrize("used_with", SORT_KEYS)
def test_a_cursor_only_continues_its_own_sort(made_for, used_with):
    value = WHEN if made_for.endswith("created_at") else "ada"
    token = Cursor(sort=made_for, value=value, id=ROW_ID).encode()

    if made_for == used_with:
        assert Cursor.decode(token, used_with).sort == made_for
        return
    with pytest.raises(InvalidField) as raised:
        Cursor.decode(token, used_with)

    assert raised.value.field == "cursor"
    assert str(raised.value) == f"This cursor belongs to sort={made_for!r}; repeat that sort."


@pytest.mark.parametrize(
    ("sort", "column", "descending"),
    [
        ("created_at", "created_at", False),
        ("-created_at", "created_at", True),
        ("username", "username", False),
        ("-username", "username", True),
    ],
)
def test_the_query_names_its_column_and_direction(sort, column, descending):
    query = UserQuery(sort=sort)

    assert (query.column, query.descending) == (column, descending)


def test_the_query_defaults():
    query = UserQuery()

    assert (query.limit, query.sort, query.cursor, query.role, query.is_active, query.q) == (
        20,
        "created_at",
        None,
        None,
        None,
        None,
    )


def test_search_text_with_a_nul_character_is_an_invalid_q():
    with pytest.raises(InvalidField) as raised:
        UserQuery(q="ada\x00", role=Role.ADMIN)

    assert raised.value.field == "q"
