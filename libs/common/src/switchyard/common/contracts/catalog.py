"""Every integration event in one list, and the envelope <-> typed event helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import msgspec

from switchyard.common.contracts.auth import (
    AccountLocked,
    AccountRegistered,
    DuplicateRegistrationAttempted,
    EmailVerificationRequested,
    EmailVerified,
    ImportRowsProcessed,
    InvitationIssued,
    PasswordChanged,
    PasswordResetRequested,
)
from switchyard.common.contracts.base import IntegrationEvent
from switchyard.common.contracts.envelope import Envelope
from switchyard.common.contracts.ids import uuid7
from switchyard.common.contracts.ingest import ImportCompleted, ImportRowsSubmitted, ImportRowSubmitted
from switchyard.common.contracts.users import (
    UserCreated,
    UserDeactivated,
    UserDeleted,
    UserEmailVerified,
    UserProfileUpdated,
    UserReactivated,
    UserRoleChanged,
)

EVENT_TYPES: tuple[type[IntegrationEvent], ...] = (
    AccountRegistered,
    EmailVerificationRequested,
    EmailVerified,
    PasswordResetRequested,
    PasswordChanged,
    AccountLocked,
    DuplicateRegistrationAttempted,
    InvitationIssued,
    ImportRowsProcessed,
    UserCreated,
    UserProfileUpdated,
    UserEmailVerified,
    UserRoleChanged,
    UserDeactivated,
    UserReactivated,
    UserDeleted,
    ImportRowSubmitted,
    ImportRowsSubmitted,
    ImportCompleted,
)


def produced_by(service: str) -> tuple[type[IntegrationEvent], ...]:
    """The events ``service`` publishes: their types are named ``<service>.<event>``."""
    return tuple(e for e in EVENT_TYPES if e.TYPE.split(".", 1)[0] == service)


_BY_TYPE: dict[tuple[str, int], type[IntegrationEvent]] = {(e.TYPE, e.VERSION): e for e in EVENT_TYPES}
_encoder = msgspec.json.Encoder()


class UnknownEventType(LookupError):
    """An envelope names a type/version the catalog does not list."""


def event_class(type_: str, version: int) -> type[IntegrationEvent]:
    """The struct for ``type_`` at ``version``; raises :class:`UnknownEventType`."""
    try:
        return _BY_TYPE[(type_, version)]
    except KeyError:
        raise UnknownEventType(f"no event {type_!r} version {version} in the catalog") from None


def catalog_topics() -> list[str]:
    """The topic of every catalog event, sorted."""
    return sorted({e.TOPIC for e in EVENT_TYPES})


def to_envelope(
    event: IntegrationEvent,
    *,
    source: str,
    event_id: UUID | None = None,
    occurred_at: datetime | None = None,
) -> Envelope:
    """Wrap ``event``; a fresh id and the current UTC time unless given."""
    return Envelope(
        id=event_id or uuid7(),
        type=event.TYPE,
        version=event.VERSION,
        occurred_at=occurred_at or datetime.now(UTC),
        source=source,
        key=event.partition_key,
        data=msgspec.Raw(_encoder.encode(event)),
    )


def decode_event(envelope: Envelope) -> IntegrationEvent:
    """The typed event inside ``envelope``.

    Raises :class:`UnknownEventType`, or ``msgspec.ValidationError`` when ``data`` does not
    match the schema; unknown data fields are ignored.
    """
    cls = event_class(envelope.type, envelope.version)
    return msgspec.json.decode(envelope.data, type=cls)


def decode_event_as[E: IntegrationEvent](envelope: Envelope, expected: type[E]) -> E:
    """Like :func:`decode_event`, but the envelope must hold an ``expected`` event."""
    if (envelope.type, envelope.version) != (expected.TYPE, expected.VERSION):
        raise UnknownEventType(
            f"expected {expected.TYPE} v{expected.VERSION}, got {envelope.type} v{envelope.version}"
        )
    return msgspec.json.decode(envelope.data, type=expected)
