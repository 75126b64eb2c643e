"""Event ids: well-formed UUIDv7s that sort by time, usable wherever a uuid.UUID is."""

from __future__ import annotations

import uuid

import pytest

from switchyard.common.contracts import UserDeleted, to_envelope
from switchyard.common.contracts.ids import uuid5, uuid7


def test_a_uuid7_is_a_standard_uuid_of_version_7_and_the_rfc_variant():
    made = uuid7()
    assert isinstance(made, uuid.UUID)
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    # Round trips through its text and bytes, and equals (and hashes as) the same value parsed.
    parsed = uuid.UUID(str(made))
    assert parsed == made
    assert hash(parsed) == hash(made)
    assert uuid.UUID(bytes=made.bytes) == made


def test_its_first_48_bits_are_the_unix_milliseconds():
    now_ns = 1_764_000_000_123_456_789
    assert uuid7(now_ns).int >> 80 == now_ns // 1_000_000


def test_ids_made_later_sort_later_and_ids_made_together_differ():
    earlier = [uuid7(1_000_000_000_000_000_000) for _ in range(1000)]
    later = uuid7(1_000_000_000_001_000_000)
    assert len(set(earlier)) == 1000
    assert max(earlier) < later


def test_envelopes_get_uuid7_ids_unless_given_one():
    event = UserDeleted(user_id=uuid.uuid4())
    assert to_envelope(event, source="test").id.version == 7
    given = uuid.uuid4()
    assert to_envelope(event, source="test", event_id=given).id == given


@pytest.mark.parametrize(
    "namespace", [uuid.NAMESPACE_DNS, uuid.UUID("6f1d3c52-7a0e-4c1b-9a57-3b8f0f3e2d10"), uuid.uuid4()]
)
@pytest.mark.parametrize("name", ["", "2", "0f9c1e7a-2b6d-4f0e-9a57-3b8f0f3e2d10:1048576", "naïve ✓"])
def test_uuid5_is_the_standard_librarys_value(namespace, name):
    made = uuid5(namespace, name)
    assert made == uuid.uuid5(namespace, name)
    assert (made.version, made.variant, str(made)) == (5, uuid.RFC_4122, str(uuid.uuid5(namespace, name)))
    assert hash(made) == hash(uuid.uuid5(namespace, name))
