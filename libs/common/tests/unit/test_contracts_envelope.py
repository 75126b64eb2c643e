import json
import uuid
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from switchyard.common.contracts import (
    AccountRegistered,
    UnknownEventType,
    UserCreated,
    UserDeleted,
    decode_envelope,
    decode_event,
    decode_event_as,
    encode_envelope,
    to_envelope,
)


def _account_registered() -> AccountRegistered:
    return AccountRegistered(
        account_id=uuid.uuid4(),
        email="ada@example.com",
        username="ada",
        full_name=None,
        email_verified=False,
        invited=True,
    )


def test_envelope_round_trips_through_json_bytes():
    event = _account_registered()
    occurred_at = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    envelope = to_envelope(event, source="auth", occurred_at=occurred_at)

    decoded = decode_envelope(encode_envelope(envelope))

    assert (decoded.id, decoded.type, decoded.version) == (envelope.id, "auth.account-registered", 1)
    assert decoded.occurred_at == occurred_at
    assert decoded.source == "auth"
    assert decoded.key == str(event.account_id)
    assert decode_event(decoded) == event


def test_wire_format_is_plain_json_with_data_inline():
    event = UserDeleted(user_id=uuid.uuid4())
    wire = json.loads(encode_envelope(to_envelope(event, source="users")))

    assert set(wire) == {"id", "type", "version", "occurred_at", "source", "key", "data"}
    assert wire["data"] == {"user_id": str(event.user_id)}
    assert wire["occurred_at"].endswith("Z")


def test_unknown_fields_in_envelope_and_data_are_ignored():
    event = UserDeleted(user_id=uuid.uuid4())
    wire = json.loads(encode_envelope(to_envelope(event, source="users")))
    wire["trace"] = {"added": "by a newer producer"}
    wire["data"]["reason"] = "a field this consumer does not know yet"

    decoded = decode_envelope(json.dumps(wire).encode())

    assert decode_event(decoded) == event


def test_event_with_missing_required_field_fails_validation():
    event = UserCreated(user_id=uuid.uuid4(), email="a@example.com", username="a", role="member")
    wire = json.loads(encode_envelope(to_envelope(event, source="users")))
    del wire["data"]["email"]

    with pytest.raises(msgspec.ValidationError, match="email"):
        decode_event(decode_envelope(json.dumps(wire).encode()))


def test_garbage_is_a_decode_error():
    with pytest.raises(msgspec.DecodeError):
        decode_envelope(b"\x00not json")


def test_envelope_without_id_is_a_validation_error():
    with pytest.raises(msgspec.ValidationError, match="id"):
        decode_envelope(b'{"type": "x", "version": 1}')


def test_unknown_type_or_version_is_rejected():
    envelope = to_envelope(UserDeleted(user_id=uuid.uuid4()), source="users")
    future = msgspec.structs.replace(envelope, version=2)

    with pytest.raises(UnknownEventType, match="version 2"):
        decode_event(future)


def test_decode_event_as_insists_on_the_expected_type():
    envelope = to_envelope(UserDeleted(user_id=uuid.uuid4()), source="users")

    with pytest.raises(UnknownEventType, match=r"expected users\.user-created v1"):
        decode_event_as(envelope, UserCreated)
    assert isinstance(decode_event_as(envelope, UserDeleted), UserDeleted)


def test_to_envelope_gives_fresh_ids_and_utc_time():
    event = UserDeleted(user_id=uuid.uuid4())
    first, second = to_envelope(event, source="users"), to_envelope(event, source="users")

    assert first.id != second.id
    assert first.occurred_at.utcoffset() == timedelta(0)
