"""People onboarded through the platform, as ingest learns of them."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, slots=True)
class OnboardedUser:
    user_id: UUID
    email: str
