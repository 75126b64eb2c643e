"""``python -m switchyard.<service> migrate``: the Kubernetes init container's command.

It needs only ``DATABASE_*`` settings, brings a new database to the service's head revision, does
nothing the second time, and refuses a bad setting with one line.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from switchyard.common.db.migrations import alembic_config
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
