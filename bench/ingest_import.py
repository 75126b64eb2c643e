"""A million-row import, end to end: upload to ingest -> accounts in auth -> profiles in users.

    .venv/bin/python bench/ingest_import.py [--rows 1000000] [--bad-share 0.03] [--batch-rows 2000]

Environment: BENCH_DATABASE_URL, BENCH_KAFKA, BENCH_REDIS_URL (default: the running local stack's,
`make up`). Everything the bench starts (databases, topics, processes) is its own and removed at the
end. A default run takes several minutes (see bench/README.md).

On free loopback ports it starts auth, users and ingest as real processes on throwaway databases and
topics (notifications is not started: with notify off nothing of an import reaches it but the
recipient directory). It writes a --rows file with the CLI's generator (every kind of bad row, spread
evenly), then measures, in this order and in the same run:

- **parse and validate**: ingest's own reader (csv module, row checks, duplicate detection) over the
  file, in this process, as rows/s, against a bare `csv.reader` pass over the same file (ratio);
- **COPY floor**: PostgreSQL `COPY ... FROM STDIN (FORMAT csv)` of the same file into one unindexed
  table (four text columns) in a throwaway database, as rows/s: the fastest any row can land;
- **end to end**: from the start of the upload to the moment auth holds an account and users a
  profile for every good row (counted every 0.25 s once ingest has every row's answer), as rows/s
  of the file, against the COPY floor (ratio), with the import's own status and counts checked exact;
- peak RSS of ingest, auth and users while the import ran (sampled every 0.1 s from /proc).

Targets (issue 6): end to end >= 10,000 rows/s on the 2-core box; each service's peak RSS < 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import msgspec

from switchyard.auth.adapters.orm import accounts
from switchyard.cli.generate import write_csv
from switchyard.common.db import asyncpg_dsn
from switchyard.common.runtime import ServiceSettings
from switchyard.common.runtime.settings import JwtSettings
from switchyard.common.testing import (
    DatabaseFactory,
    ServiceProcess,
    isolated_topics,
    service_settings,
    start_service_process,
)
from switchyard.ingest.adapters.csv_source import header_of, read_records
from switchyard.ingest.domain.columns import resolve_columns
from switchyard.ingest.domain.fingerprints import ClaimFilter
from switchyard.ingest.service_layer.importing import RowReader
from switchyard.users.adapters.orm import profiles

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for bench._support
from bench._support import infrastructure, process_cpu_seconds, rss_bytes, tree_cpu_seconds
from deploy.local.config import load_config
from deploy.local.procs import running

ADMIN_EMAIL, ADMIN_PASSWORD = "bench-admin@example.com", "sturdy walrus naps beside a warm kettle"
MIB = 1024 * 1024
TARGET_ROWS_PER_S = 10_000
TARGET_RSS = 300 * 1000 * 1000


@dataclass
class Platform:
    auth: ServiceProcess
    users: ServiceProcess
    ingest: ServiceProcess
    databases: DatabaseFactory
    urls: dict[str, str]
    peak_rss: dict[str, int] = field(default_factory=dict)
    cpu_used: dict[str, float] = field(default_factory=dict)

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds so far of each service, and of the local stack's PostgreSQL and Kafka (all their
        processes) when the bench runs against it."""
        used = {
            name: process_cpu_seconds([process.process.pid])
            for name, process in (("ingest", self.ingest), ("auth", self.auth), ("users", self.users))
        }
        paths = load_config().paths
        for name in ("postgres", "kafka"):
            record = running(paths, name)
            if record is not None:  # else not the local stack's servers: not measured
                used[name] = tree_cpu_seconds(record.pid)
        return used


@asynccontextmanager
async def platform(logs: Path, storage: Path, batch_rows: int) -> AsyncIterator[Platform]:
    infra = infrastructure()
    databases = DatabaseFactory(infra.database_url, prefix="sy_bench")
    async with AsyncExitStack() as stack:
        kafka = await stack.enter_async_context(isolated_topics(infra.kafka_bootstrap))
        stack.push_async_callback(databases.close)
        urls: dict[str, str] = {}

        async def settings(service: str, jwks: str | None = None) -> ServiceSettings:
            urls[service] = await databases.create()
            made = service_settings(database_url=urls[service], kafka=kafka, redis_url=infra.redis_url)
            return made if jwks is None else msgspec.structs.replace(made, jwt=JwtSettings(jwks_url=jwks))

        admin = {"AUTH_BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL, "AUTH_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD}
        auth = await start_service_process(
            "auth", await settings("auth"), log=logs / "auth.log", extra_env=admin
        )
        stack.push_async_callback(auth.stop)
        jwks = f"{auth.base_url}/.well-known/jwks.json"
        users = await start_service_process("users", await settings("users", jwks), log=logs / "users.log")
        stack.push_async_callback(users.stop)
        options = {"INGEST_STORAGE_DIR": str(storage), "INGEST_BATCH_ROWS": str(batch_rows)}
        ingest = await start_service_process(
            "ingest", await settings("ingest", jwks), log=logs / "ingest.log", extra_env=options
        )
        stack.push_async_callback(ingest.stop)
        yield Platform(auth, users, ingest, databases, urls)


def parse_rates(path: Path, rows: int) -> tuple[float, float]:
    """(csv.reader rows/s, ingest reader rows/s) over ``path``."""
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as file:
        counted = sum(1 for _ in csv.reader(file)) - 1
    plain = counted / (time.perf_counter() - started)
    started = time.perf_counter()
    reader = RowReader(read_records(path), resolve_columns(header_of(path)), resume_after=0)
    # Duplicates as the importer finds them, but with the import's claims in a dict instead of its
    # database: the filter's "maybe"s are looked up there.
    claimed, claims = ClaimFilter(2 * rows), dict[int, int]()
    checked = 0
    while True:
        batch = reader.next_batch(2_000)
        check = batch.duplicate_check
        assert check is not None
        found = check.claims({fp: claims[fp] for fp in check.candidates(claimed) if fp in claims})
        claimed.update(fp for fp, _row in found.taken)
        claims.update(found.taken)
        checked += len(batch.errors) + len(found.duplicates) + len(found.accepted)
        if batch.exhausted:
            break
    ours = checked / (time.perf_counter() - started)
    assert counted == checked == rows, (counted, checked, rows)
    return plain, ours


async def copy_rate(databases: DatabaseFactory, path: Path, rows: int) -> float:
    url = await databases.create()
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.execute("CREATE TABLE people (email text, username text, full_name text, role text)")
        started = time.perf_counter()
        await connection.copy_to_table("people", source=path, format="csv", header=True)
        elapsed = time.perf_counter() - started
        assert await connection.fetchval("SELECT count(*) FROM people") == rows
    finally:
        await connection.close()
    return rows / elapsed


class RowCounter:
    """One connection per database, kept for the whole wait (a poll every 0.25 s)."""

    def __init__(self) -> None:
        self._connections: dict[str, asyncpg.Connection] = {}

    async def count(self, url: str, table: str) -> int:
        if url not in self._connections:
            self._connections[url] = await asyncpg.connect(asyncpg_dsn(url))
        return int(await self._connections[url].fetchval(f"SELECT count(*) FROM {table}"))

    async def close(self) -> None:
        for connection in self._connections.values():
            await connection.close()


async def sample_rss(running: Platform, stop: asyncio.Event) -> None:
    processes = {"ingest": running.ingest, "auth": running.auth, "users": running.users}
    while not stop.is_set():
        for name, process in processes.items():
            if process.process.returncode is not None:
                raise RuntimeError(f"{name} exited ({process.process.returncode}); see {process.log}")
            running.peak_rss[name] = max(running.peak_rss.get(name, 0), rss_bytes(process.process.pid))
        await asyncio.sleep(0.1)


async def import_end_to_end(running: Platform, path: Path, good: int) -> tuple[float, dict[str, object]]:
    async with httpx.AsyncClient(timeout=600) as client:
        token = await client.post(
            f"{running.auth.base_url}/token",
            data={"grant_type": "password", "username": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        )
        bearer = {"authorization": f"Bearer {token.raise_for_status().json()['access_token']}"}
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_rss(running, stop))
        cpu_before = running.cpu_seconds()
        started = time.perf_counter()
        with path.open("rb") as file:
            response = await client.post(
                f"{running.ingest.base_url}/",
                files={"file": (path.name, file, "text/csv")},
                data={"notify": "false"},
                headers=bearer,
            )
        response.raise_for_status()
        import_id = response.json()["id"]

        async def job_status() -> dict[str, object]:
            answer = await client.get(f"{running.ingest.base_url}/{import_id}", headers=bearer)
            return dict(answer.raise_for_status().json())

        # Counting a million-row table costs PostgreSQL ~0.1 s: polled all along, the counts took a
        # tenth of the machine from the import they measure. So wait (cheaply) for ingest to have
        # every row's answer, i.e. auth's accounts committed, and count only then.
        ended = ("completed", "failed", "cancelled")
        while True:
            if (await job_status())["status"] in ended:
                break
            await asyncio.sleep(0.25)
        counter = RowCounter()
        try:
            while True:
                # +1: the bootstrap admin's account and profile.
                in_auth = await counter.count(running.urls["auth"], accounts.name)
                in_users = await counter.count(running.urls["users"], profiles.name)
                if in_auth >= good + 1 and in_users >= good + 1:
                    break
                await asyncio.sleep(0.25)
        finally:
            await counter.close()
        elapsed = time.perf_counter() - started
        cpu_after = running.cpu_seconds()
        running.cpu_used = {name: cpu_after[name] - cpu_before[name] for name in cpu_after}
        job = await job_status()
        stop.set()
        await sampler
    return elapsed, job


async def main(rows: int, bad_share: float, batch_rows: int) -> None:
    with tempfile.TemporaryDirectory(prefix="sy-bench-ingest-") as scratch:
        work = Path(scratch)
        path = work / "people.csv"
        started = time.perf_counter()
        counts = write_csv(path, rows, bad_share=bad_share, domain=f"bench{uuid.uuid4().hex[:6]}.test")
        good = counts.good + counts.formula_names
        size = path.stat().st_size
        print(
            f"file: {rows:,} rows ({good:,} good, {counts.bad_total:,} bad), {size / MIB:.1f} MiB, "
            f"written in {time.perf_counter() - started:.1f} s"
        )
        plain, ours = parse_rates(path, rows)
        print(
            f"parse + validate: ingest reader {ours:,.0f} rows/s, csv.reader {plain:,.0f} rows/s "
            f"-> ratio {ours / plain:.2f}"
        )
        (work / "uploads").mkdir()
        async with platform(work, work / "uploads", batch_rows) as running:
            floor = await copy_rate(running.databases, path, rows)
            print(f"COPY floor: {floor:,.0f} rows/s into one unindexed table")
            elapsed, job = await import_end_to_end(running, path, good)
            rate = rows / elapsed
            print(
                f"end to end: {rows:,} rows in {elapsed:.1f} s = {rate:,.0f} rows/s "
                f"-> {rate / floor:.3f} of the COPY floor (target {TARGET_ROWS_PER_S:,} rows/s: "
                f"{'met' if rate >= TARGET_ROWS_PER_S else 'NOT met'})"
            )
            assert (job["status"], job["total"], job["succeeded"], job["failed"]) == (
                "completed",
                rows,
                good,
                counts.bad_total,
            ), job
            print(
                f"import: {job['status']}, {job['succeeded']:,} succeeded, {job['failed']:,} failed (exact)"
            )
            per_row = ", ".join(
                f"{name} {used / rows * 1e6:.0f} us" for name, used in running.cpu_used.items()
            )
            total = sum(running.cpu_used.values())
            print(
                f"CPU per row: {per_row}; {total / rows * 1e6:.0f} us in all "
                f"({total / elapsed:.2f} vCPU busy on average)"
            )
            peaks = ", ".join(f"{name} {peak / MIB:.0f} MiB" for name, peak in running.peak_rss.items())
            worst = max(running.peak_rss.values())
            print(f"peak RSS: {peaks} (target < 300 MB each: {'met' if worst < TARGET_RSS else 'NOT met'})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bad-share", type=float, default=0.03)
    parser.add_argument("--batch-rows", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.bad_share, args.batch_rows))
