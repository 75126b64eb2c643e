"""The ingest migrations build exactly the tables the code declares, and undo cleanly."""

from __future__ import annotations

import pytest

from switchyard.common.testing import DatabaseFactory
from switchyard.common.testing.migrations import downgrade_to_base_then_head, migration_drift
from switchyard.ingest.adapters.orm import metadata
from switchyard.ingest.bootstrap import SERVICE_ROOT

pytestmark = pytest.mark.integration


async def test_migrations_match_the_declared_tables_and_undo_cleanly(make_database: DatabaseFactory) -> None:
    url = await make_database.create(migrations=SERVICE_ROOT)
    assert await migration_drift(url, metadata) == []
    assert await downgrade_to_base_then_head(url, SERVICE_ROOT) == ["alembic_version"]
    assert await migration_drift(url, metadata) == []
