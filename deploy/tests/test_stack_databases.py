"""Least privilege on the running stack's PostgreSQL: each service reaches its own database only."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from switchyard.common.testing.infrastructure import local_stack_dir, read_local_stack

SERVICES = ("auth", "users", "notifications", "ingest")

pytestmark = pytest.mark.integration


def _secrets(stack_dir: Path) -> dict[str, str]:
    values = {}
    for line in (stack_dir / "secrets.env").read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            values[key.strip()] = value.strip()
    return values


@pytest.fixture(scope="module")
def stack() -> tuple[str, int, dict[str, str]]:
    """The local stack's database server and secrets; no stack is a failure, not a skip."""
    stack_dir = local_stack_dir()
    if not (stack_dir / "secrets.env").exists():
        pytest.fail(f"no local stack at {stack_dir}: run `make up` (or `make test`)")
    admin_url = os.environ.get("SWITCHYARD_TEST_DATABASE_URL") or read_local_stack(stack_dir).database_url
    parts = urlsplit(admin_url)
    assert parts.hostname
    assert parts.port
    return parts.hostname, parts.port, _secrets(stack_dir)


async def _connect(stack: tuple[str, int, dict[str, str]], service: str, database: str) -> asyncpg.Connection:
    host, port, secrets = stack
    password = secrets[f"{service.upper()}_DB_PASSWORD"]
    return await asyncpg.connect(
        host=host, port=port, user=f"switchyard_{service}", password=password, database=database, timeout=5
    )


@pytest.mark.parametrize("service", SERVICES)
async def test_service_role_owns_and_uses_its_own_database(stack, service):
    conn = await _connect(stack, service, f"switchyard_{service}")
    try:
        row = await conn.fetchrow(
            "SELECT current_user, current_database(), pg_get_userbyid(d.datdba) AS owner,"
            " r.rolsuper, r.rolcreatedb FROM pg_database d, pg_roles r"
            " WHERE d.datname = current_database() AND r.rolname = current_user"
        )
        await conn.execute("CREATE TEMP TABLE least_privilege_probe (id int)")
    finally:
        await conn.close()
    assert row["current_user"] == row["current_database"] == row["owner"] == f"switchyard_{service}"
    assert row["rolsuper"] is False
    assert row["rolcreatedb"] is False


@pytest.mark.parametrize("service", SERVICES)
async def test_service_role_cannot_connect_to_any_other_database(stack, service):
    others = [f"switchyard_{s}" for s in SERVICES if s != service] + ["postgres", "template1"]
    for database in others:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied for database"):
            await _connect(stack, service, database)


async def test_a_wrong_password_is_refused(stack):
    host, port, _ = stack
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(
            host=host,
            port=port,
            user="switchyard_auth",
            password="wrong",
            database="switchyard_auth",
            timeout=5,
        )
