"""Outbox bundles: every event of a transaction that writes several, in one outbox row.

A batch handler commits hundreds of events at once (an import: an ``auth.account-registered`` per
row, then a ``users.user-created``). As rows of their own, each event was an insert (heap, primary
key, WAL), a read by the relay and a delete: about 4.6 us of PostgreSQL's CPU and 3.3 us of the
services' an event, measured alone (bench/README.md). As a bundle, the unit of work writes one row
whose ``records`` hold the events as a JSON array of ``[id, topic, key, payload]`` (the payload the
envelope's JSON as it is, not quoted), compressed with lz4; the relay expands it back into the
same records, in order. Consumers see no difference: Kafka gets the records it got before.

A transaction with one event still writes a plain row. A bundle row's own ``topic`` is
:data:`BUNDLE_TOPIC`, a name Kafka refuses: a relay of a release before bundles that meets one
(during a rollout) fails to send it and stops there, as it does whenever Kafka refuses a record,
so no event overtakes it; a new relay takes it from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import msgspec

BUNDLE_TOPIC = "!outbox-bundle"
BUNDLE_TYPE = "switchyard.outbox-bundle"


class _Written(msgspec.Struct, array_like=True):
    id: UUID
    topic: str
    key: str
    payload: msgspec.Raw


class BundledRecord(msgspec.Struct, array_like=True, frozen=True):
    """One event of a bundle as the relay reads it (the id as text: it only travels in the payload)."""

    id: str
    topic: str
    key: str
    payload: msgspec.Raw


_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(list[BundledRecord])


def encode_bundle(events: Sequence[tuple[UUID, str, str, bytes]]) -> bytes:
    """``(event id, topic, key, envelope JSON)`` of each event, in order, as a bundle's ``records``."""
    return _ENCODER.encode(
        [_Written(id_, topic, key, msgspec.Raw(payload)) for id_, topic, key, payload in events]
    )


def decode_bundle(records: bytes) -> list[BundledRecord]:
    """The events of a bundle's ``records``, in the order they were written."""
    return _DECODER.decode(records)


def encode_records(records: Sequence[BundledRecord]) -> bytes:
    """``records`` as a bundle's ``records`` again (what is left of a bundle Kafka has part of)."""
    return _ENCODER.encode(records)
