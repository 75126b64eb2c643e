"""What the benchmarks share: infrastructure, auth and users as processes, accounts, /proc readings.

The scripts run as `python bench/<name>.py`, so each puts the repository root on sys.path first and
imports this module as `bench._support`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import msgspec

from switchyard.common.runtime import ServiceSettings
from switchyard.common.testing import (
    DatabaseFactory,
    ServiceProcess,
    isolated_topics,
    service_settings,
    start_service_process,
    wait_until,
)
from switchyard.common.testing.infrastructure import Infrastructure, local_stack_dir, read_local_stack

PASSWORD = "amber falcon drifts over quiet harbor"
TIMEOUT = httpx.Timeout(30.0)


def infrastructure() -> Infrastructure:
    """BENCH_* variables, else the running local stack."""
    database, kafka, redis = (os.environ.get(f"BENCH_{n}") for n in ("DATABASE_URL", "KAFKA", "REDIS_URL"))
    if database and kafka and redis:
        return Infrastructure(database, kafka, redis, source="the BENCH_* variables")
    stack = read_local_stack(local_stack_dir())
    return replace(
        stack,
        database_url=database or stack.database_url,
        kafka_bootstrap=kafka or stack.kafka_bootstrap,
        redis_url=redis or stack.redis_url,
    )


def database_server() -> str:
    """BENCH_DATABASE_URL, else the running local stack's PostgreSQL (for benches needing only that)."""
    return os.environ.get("BENCH_DATABASE_URL") or read_local_stack(local_stack_dir()).database_url


@asynccontextmanager
async def auth_and_users(
    infra: Infrastructure, logs: Path
) -> AsyncIterator[tuple[ServiceProcess, ServiceProcess]]:
    """auth and users running as processes; everything they use is removed on exit."""
    databases = DatabaseFactory(infra.database_url, prefix="sy_bench")
    async with AsyncExitStack() as stack:
        kafka = await stack.enter_async_context(isolated_topics(infra.kafka_bootstrap))
        stack.push_async_callback(databases.close)

        async def settings() -> ServiceSettings:
            return service_settings(
                database_url=await databases.create(), kafka=kafka, redis_url=infra.redis_url
            )

        auth = await start_service_process("auth", await settings(), log=logs / "auth.log")
        stack.push_async_callback(auth.stop)
        users_settings = await settings()
        jwt = msgspec.structs.replace(users_settings.jwt, jwks_url=f"{auth.base_url}/.well-known/jwks.json")
        users_settings = msgspec.structs.replace(users_settings, jwt=jwt)
        users = await start_service_process("users", users_settings, log=logs / "users.log")
        stack.push_async_callback(users.stop)
        yield auth, users


async def log_in(auth: httpx.AsyncClient, username: str) -> httpx.Response:
    return await auth.post(
        "/token", data={"grant_type": "password", "username": username, "password": PASSWORD}
    )


async def accounts(auth: httpx.AsyncClient, users: httpx.AsyncClient, usernames: list[str]) -> dict[str, str]:
    """Register ``usernames``; a bearer header for the last one, once users has its profile."""
    for username in usernames:
        body = {"email": f"{username}@example.com", "username": username, "password": PASSWORD}
        (await auth.post("/register", json=body)).raise_for_status()
    tokens = await log_in(auth, usernames[-1])
    tokens.raise_for_status()
    bearer = {"authorization": f"Bearer {tokens.json()['access_token']}"}

    async def profile_ready() -> bool:
        return (await users.get("/me", headers=bearer)).status_code == 200

    await wait_until(profile_ready, within=60.0)
    return bearer


_PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def cpu_seconds(stat: Path) -> float:
    """utime + stime (fields 14 and 15 of proc(5)) of a /proc/<pid>[/task/<tid>]/stat file."""
    fields = stat.read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def process_cpu_seconds(pids: list[int]) -> float:
    """CPU seconds so far of these processes together."""
    return sum(cpu_seconds(_PROC / str(pid) / "stat") for pid in pids)


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of ``pid``, its live children, and its children that exited (cutime + cstime):
    a PostgreSQL postmaster's figure covers every backend, including closed ones."""
    fields = (_PROC / str(pid) / "stat").read_text().rpartition(")")[2].split()
    own = sum(int(value) for value in fields[11:15]) / _TICKS
    return own + sum(_alive_cpu_seconds(child) for child in children(pid))


def _alive_cpu_seconds(pid: int) -> float:
    try:
        return cpu_seconds(_PROC / str(pid) / "stat")
    except OSError:
        return 0.0  # exited meanwhile; its time is now in the parent's cutime


def rss_bytes(pid: int) -> int:
    """Resident set size now (the second field of /proc/<pid>/statm)."""
    return int((_PROC / str(pid) / "statm").read_text().split()[1]) * _PAGE


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (nginx's workers, say)."""
    found = []
    for stat in _PROC.glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rpartition(")")[2].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if parent == pid:
            found.append(int(stat.parent.name))
    return found
