"""Events published by the ingest service."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from switchyard.common.contracts.base import IntegrationEvent


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
