"""Integration events: the envelope, one module per producing service, and the catalog."""

from switchyard.common.contracts.auth import AccountRegistered
from switchyard.common.contracts.base import IntegrationEvent
from switchyard.common.contracts.catalog import (
    EVENT_TYPES,
    UnknownEventType,
    catalog_topics,
    decode_event,
    decode_event_as,
    event_class,
    to_envelope,
)
from switchyard.common.contracts.envelope import Envelope, decode_envelope, encode_envelope
from switchyard.common.contracts.ingest import ImportCompleted
from switchyard.common.contracts.users import UserCreated, UserDeleted

__all__ = [
    "EVENT_TYPES",
    "AccountRegistered",
    "Envelope",
    "ImportCompleted",
    "IntegrationEvent",
    "UnknownEventType",
    "UserCreated",
    "UserDeleted",
    "catalog_topics",
    "decode_envelope",
    "decode_event",
    "decode_event_as",
    "encode_envelope",
    "event_class",
    "to_envelope",
]
