"""Events published by the ingest service."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

import msgspec

from switchyard.common.contracts.base import IntegrationEvent


class ImportRowSubmitted(IntegrationEvent, frozen=True, kw_only=True):
    """A validated import row, asking auth for an invited account (a command carried as an event).

    Keyed by email so that every row about one person lands on one partition, in order.
    Superseded by :class:`ImportRowsSubmitted` (many rows an event); auth still applies these.
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


class SubmittedRow(msgspec.Struct, frozen=True, kw_only=True):
    """One validated row of an import file (row 1 is the header)."""

    row_number: int
    email: str
    username: str
    full_name: str | None
    role: str


class ImportRowsSubmitted(IntegrationEvent, frozen=True, kw_only=True):
    """Validated rows of one import, asking auth for invited accounts (a command carried as an event).

    Ingest groups a batch of rows by the partition each row's email keys to, and sends each group
    in events of at most ``MAX_ROWS`` rows, keyed by the first row's email (``partition_email``):
    every row about one person still lands on one partition, in file order, while auth decodes,
    deduplicates and records one event per few hundred rows instead of one per row.
    """

    TYPE: ClassVar[str] = "ingest.import-rows-submitted"
    VERSION: ClassVar[int] = 1
    KEY: ClassVar[str] = "partition_email"
    # 250 rows of the longest valid values (~1.2 KB each as JSON) stay far below Kafka's 1 MB
    # default record limit; auth takes KAFKA_CONSUME_BATCH_SIZE // MAX_ROWS events a transaction.
    MAX_ROWS: ClassVar[int] = 250

    import_id: UUID
    notify: bool
    partition_email: str
    rows: list[SubmittedRow]


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
