"""The envelope every integration event travels in: JSON on the wire."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec


class Envelope(msgspec.Struct, frozen=True, kw_only=True):
    """Metadata around one event's ``data``.

    ``data`` stays raw JSON until the catalog decodes it into the typed event, so an
    envelope can be read (and dead-lettered) even when its data is not understood.
    Unknown fields are ignored on decode: producers may add fields before consumers know them.
    """

    id: UUID
    type: str
    version: int
    occurred_at: datetime
    source: str
    key: str
    data: msgspec.Raw


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Envelope)


def encode_envelope(envelope: Envelope) -> bytes:
    """The JSON bytes of ``envelope``, as written to Kafka."""
    return _encoder.encode(envelope)


def decode_envelope(payload: bytes | str) -> Envelope:
    """Parse wire bytes; raises ``msgspec.DecodeError`` (a ``ValidationError`` for bad fields)."""
    return _decoder.decode(payload)
