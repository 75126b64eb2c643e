"""Integration events: the envelope, one module per producing service, and the catalog."""

from switchyard.common.contracts.auth import (
    AccountLocked,
    AccountRegistered,
    DuplicateRegistrationAttempted,
    EmailVerificationRequested,
    EmailVerified,
    ImportRowOutcome,
    ImportRowsProcessed,
    InvitationIssued,
    PasswordChanged,
    PasswordResetRequested,
)
from switchyard.common.contracts.base import IntegrationEvent
from switchyard.common.contracts.catalog import (
    EVENT_TYPES,
    UnknownEventType,
    catalog_topics,
    decode_event,
    decode_event_as,
    event_class,
    produced_by,
    to_envelope,
)
from switchyard.common.contracts.envelope import Envelope, decode_envelope, encode_envelope
from switchyard.common.contracts.ingest import (
    ImportCompleted,
    ImportRowsSubmitted,
    ImportRowSubmitted,
    SubmittedRow,
)
from switchyard.common.contracts.users import (
    UserCreated,
    UserDeactivated,
    UserDeleted,
    UserEmailVerified,
    UserProfileUpdated,
    UserReactivated,
    UserRoleChanged,
)

__all__ = [
    "EVENT_TYPES",
    "AccountLocked",
    "AccountRegistered",
    "DuplicateRegistrationAttempted",
    "EmailVerificationRequested",
    "EmailVerified",
    "Envelope",
    "ImportCompleted",
    "ImportRowOutcome",
    "ImportRowSubmitted",
    "ImportRowsProcessed",
    "ImportRowsSubmitted",
    "IntegrationEvent",
    "InvitationIssued",
    "PasswordChanged",
    "PasswordResetRequested",
    "SubmittedRow",
    "UnknownEventType",
    "UserCreated",
    "UserDeactivated",
    "UserDeleted",
    "UserEmailVerified",
    "UserProfileUpdated",
    "UserReactivated",
    "UserRoleChanged",
    "catalog_topics",
    "decode_envelope",
    "decode_event",
    "decode_event_as",
    "encode_envelope",
    "event_class",
    "produced_by",
    "to_envelope",
]
