"""``python -m switchyard.<service> migrate``: the Kubernetes init container's command.

It needs only ``DATABASE_*`` settings, brings a new database to the service's head revision, does
nothing the second time, takes turns with replicas migrating at once, and refuses a bad setting
with one line.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from switchyard.common.db import DatabaseSettings, create_engine
from switchyard.common.db.migrations import alembic_config, upgrade_to_head
from switchyard.common.testing import DatabaseFactory

pytestmark = pytest.mark.integration

SERVICES = ("auth", "users", "notifications", "ingest")


def _service_root(service: str) -> Path:
    root = importlib.import_module(f"switchyard.{service}.bootstrap").SERVICE_ROOT
    assert isinstance(root, Path)
    return root


def _migrate(service: str, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Nothing but the database: no Kafka, Redis or JWKS settings, as in the init container.
    env = {"PATH": os.environ.get("PATH", ""), **environment}
    return subprocess.run(
        [sys.executable, "-m", f"switchyard.{service}", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("service", SERVICES)
async def test_migrate_brings_a_new_database_to_head_and_is_a_no_op_the_second_time(
    service: str, make_database: DatabaseFactory
) -> None:
    url = await make_database.create()
    head = ScriptDirectory.from_config(alembic_config(_service_root(service))).get_current_head()

    for _ in range(2):
        result = await asyncio.to_thread(_migrate, service, {"DATABASE_URL": url})
        assert result.returncode == 0, result.stdout + result.stderr
        assert "migrations applied" in result.stdout

    async with make_database.sessions(url)() as session:
        versions = (await session.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    assert versions == [head]


def test_migrate_refuses_a_missing_database_url_with_one_line() -> None:
    result = _migrate("users", {})

    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("switchyard-users: bad setting DATABASE_URL"), line


@pytest.mark.parametrize("service", SERVICES)
async def test_replicas_migrating_at_once_take_turns(service: str, make_database: DatabaseFactory) -> None:
    # Each migration commits on its own (some build indexes outside any transaction), so only the
    # session's advisory lock keeps a second replica from running them at the same time.
    url = await make_database.create()
    head = ScriptDirectory.from_config(alembic_config(_service_root(service))).get_current_head()

    results = await asyncio.gather(
        *(asyncio.to_thread(_migrate, service, {"DATABASE_URL": url}) for _ in range(3))
    )

    assert [r.returncode for r in results] == [0, 0, 0], [r.stdout + r.stderr for r in results]
    async with make_database.sessions(url)() as session:
        versions = (await session.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    assert versions == [head]


async def test_an_index_build_left_behind_is_replaced_when_the_migration_runs_again(
    make_database: DatabaseFactory,
) -> None:
    # CREATE INDEX CONCURRENTLY that fails leaves its index behind (invalid) and its revision not
    # applied; the revision drops it before building it again.
    url = await make_database.create()
    root = _service_root("users")
    config = alembic_config(root)
    engine = create_engine(DatabaseSettings(url=url, pool_size=1))
    try:

        def upgrade_to_0002(connection: Connection) -> None:
            config.attributes["connection"] = connection
            command.upgrade(config, "0002")

        async with engine.connect() as connection:
            await connection.run_sync(upgrade_to_0002)
        async with engine.begin() as connection:
            await connection.execute(
                text("CREATE INDEX ix_processed_events_processed_at ON processed_events (consumer)")
            )

        await upgrade_to_head(engine, root)

        async with engine.connect() as connection:
            definition = (
                await connection.execute(
                    text(
                        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_processed_events_processed_at'"
                    )
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    assert definition.endswith("USING btree (processed_at)"), definition
