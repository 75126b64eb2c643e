"""Events published by the ingest service."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from switchyard.common.contracts.base import IntegrationEvent


class ImportRowSubmitted(IntegrationEvent, frozen=True, kw_only=True):
    """A validated import row, asking auth for an invited account (a command carried as an event).

    Keyed by email so that every row about one person lands on one partition, in order.
    """

    TYPE: ClassVar[str] = "ingest.import-row-submitted"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "email"

    import_id: UUID
    row_number: int
    email: str
    username: str
    full_name: str | None
    role: str
    notify: bool


class ImportCompleted(IntegrationEvent, frozen=True, kw_only=True):
    """A bulk user import finished; counts are of rows in the uploaded file."""

    TYPE: ClassVar[str] = "ingest.import-completed"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "import_id"

    import_id: UUID
    uploaded_by: UUID
    total: int
    succeeded: int
    failed: int
