"""A bundle's records: the events of a transaction, in order, each payload the envelope as written."""

from __future__ import annotations

import uuid

from switchyard.common.contracts import (
    UserDeleted,
    decode_envelope,
    decode_event,
    encode_envelope,
    to_envelope,
)
from switchyard.common.db.outbox_bundles import decode_bundle, encode_bundle


def test_events_come_back_in_order_with_their_payloads_byte_for_byte():
    envelopes = [to_envelope(UserDeleted(user_id=uuid.uuid4()), source="users") for _ in range(3)]
    events = [(e.id, UserDeleted.TOPIC, e.key, encode_envelope(e)) for e in envelopes]

    decoded = decode_bundle(encode_bundle(events))

    assert [(r.id, r.topic, r.key, bytes(r.payload)) for r in decoded] == [
        (str(id_), topic, key, payload) for id_, topic, key, payload in events
    ]
    assert decode_event(decode_envelope(bytes(decoded[0].payload))) == decode_event(envelopes[0])
