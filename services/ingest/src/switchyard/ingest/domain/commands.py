"""Commands the ingest service carries out."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, slots=True)
class RecordOnboardedUser:
    user_id: UUID
    email: str


@dataclass(frozen=True, slots=True)
class ForgetUser:
    """Right to erasure: drop what ingest recorded about the user."""

    user_id: UUID
