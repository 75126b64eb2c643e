"""auth password-grant logins next to the bare argon2id rate, and what they do to GET /me on users.

    .venv/bin/python bench/auth_login.py [--duration 15] [--concurrency 16] [--probe-rate 20]

Environment: BENCH_DATABASE_URL (a superuser URL of a server where the bench may create and drop
databases), BENCH_KAFKA (bootstrap servers), BENCH_REDIS_URL; each defaults to the running local
stack's (`make up`), with Redis database 1 as the tests use. auth and users run as real processes
(`python -m switchyard.<service>`) on free loopback ports, on throwaway `sy_bench_<hex>` databases
and a unique topic prefix, all removed afterwards.

(a) hashes: argon2id with auth's default parameters (AuthSettings) verifying one stored hash in a
    pool of os.cpu_count() threads, as auth's PasswordHasher runs it, for --hash-seconds before the
    services start and again after they stopped; the baseline is the mean of the two.
(b) logins: --concurrency clients, each with an account of its own, POST /token (password grant)
    back to back over HTTP for --duration seconds; every login costs auth exactly one verification,
    so logins/hash is the share of the machine's hashing capacity that reaches clients as tokens.
(c) GET /me: users is asked for the caller's profile (valid bearer) at a fixed --probe-rate for
    --baseline-seconds with auth idle before and after (b) (the baseline), and throughout (b).
    Requests leave on schedule whether or not earlier ones have answered, so a stall shows in the
    latencies instead of delaying the samples.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from argon2 import PasswordHasher, Type

from switchyard.auth.settings import AuthSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for bench._support
from bench._support import (
    PASSWORD,
    TIMEOUT,
    accounts,
    auth_and_users,
    cpu_seconds,
    infrastructure,
    log_in,
)

ARGON2 = AuthSettings()


@dataclass(frozen=True)
class HashRun:
    threads: int
    verifications: int
    seconds: float
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.verifications / self.seconds


def _hash_rate(seconds: float) -> HashRun:
    """argon2id verifications with auth's default parameters on os.cpu_count() threads."""
    hasher = PasswordHasher(
        time_cost=ARGON2.argon2_time_cost,
        memory_cost=ARGON2.argon2_memory_kib,
        parallelism=ARGON2.argon2_parallelism,
        type=Type.ID,
    )
    stored = hasher.hash(PASSWORD)
    threads = os.cpu_count() or 1
    deadline = time.perf_counter() + seconds

    def verify_until_deadline(_: int) -> tuple[int, float]:
        done, cpu = 0, time.thread_time()
        while time.perf_counter() < deadline:
            hasher.verify(stored, PASSWORD)
            done += 1
        return done, time.thread_time() - cpu

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="argon2") as pool:
        runs = list(pool.map(verify_until_deadline, range(threads)))
    elapsed = time.perf_counter() - started
    return HashRun(threads, sum(n for n, _ in runs), elapsed, sum(cpu for _, cpu in runs))


def _cpu_times(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of each process, plus auth's main thread (its event loop) as "auth loop"."""
    proc = Path("/proc")
    times = {name: cpu_seconds(proc / str(pid) / "stat") for name, pid in pids.items()}
    times["auth loop"] = cpu_seconds(proc / str(pids["auth"]) / "task" / str(pids["auth"]) / "stat")
    return times


@dataclass
class Probe:
    """Latencies (seconds) of GET /me sent at a fixed rate; anything but 200 counts as a failure."""

    latencies: list[float] = field(default_factory=list)
    failures: Counter[int] = field(default_factory=Counter)

    def __add__(self, other: Probe) -> Probe:
        return Probe([*self.latencies, *other.latencies], self.failures + other.failures)

    def p(self, percentile: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[percentile - 1]

    def summary(self) -> str:
        failed = f", failed {dict(self.failures)}" if self.failures else ""
        return (
            f"p99 {self.p(99) * 1000:6.1f} ms (p50 {self.p(50) * 1000:.1f} ms, "
            f"max {max(self.latencies) * 1000:.1f} ms, {len(self.latencies)} requests{failed})"
        )


async def _probe_me(users: httpx.AsyncClient, bearer: dict[str, str], seconds: float, rate: float) -> Probe:
    probe = Probe()

    async def one() -> None:
        started = time.perf_counter()
        response = await users.get("/me", headers=bearer)
        probe.latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            probe.failures[response.status_code] += 1

    begin, tasks = time.perf_counter(), []
    for n in range(max(int(seconds * rate), 1)):
        await asyncio.sleep(max(begin + n / rate - time.perf_counter(), 0.0))
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    return probe


async def _login_load(
    auth: httpx.AsyncClient, usernames: list[str], seconds: float
) -> tuple[Counter[int], float]:
    """Status counts of back-to-back logins, one loop per account, and the seconds they took."""
    outcomes: Counter[int] = Counter()
    started = time.perf_counter()
    deadline = started + seconds

    async def client(username: str) -> None:
        while time.perf_counter() < deadline:
            outcomes[(await log_in(auth, username)).status_code] += 1

    await asyncio.gather(*(client(u) for u in usernames))
    return outcomes, time.perf_counter() - started


@dataclass
class Results:
    hashes: list[HashRun]
    outcomes: Counter[int]
    login_seconds: float
    cpu: dict[str, float]  # CPU seconds used during the login load, by process
    idle: list[Probe]
    loaded: Probe


async def _run(args: argparse.Namespace, usernames: list[str], logs: Path) -> Results:
    hashes = [await asyncio.to_thread(_hash_rate, args.hash_seconds)]
    limits = httpx.Limits(max_connections=len(usernames) + 4)
    async with (
        auth_and_users(infrastructure(), logs) as (auth_process, users_process),
        httpx.AsyncClient(base_url=auth_process.base_url, timeout=TIMEOUT, limits=limits) as auth,
        httpx.AsyncClient(base_url=users_process.base_url, timeout=TIMEOUT) as users,
    ):
        bearer = await accounts(auth, users, usernames)
        await _probe_me(users, bearer, 1.0, args.probe_rate)  # warm-up: connections, JWKS
        idle = [await _probe_me(users, bearer, args.baseline_seconds, args.probe_rate)]
        await asyncio.gather(*(log_in(auth, u) for u in usernames))  # warm-up: pools, sessions
        pids = {"auth": auth_process.process.pid, "users": users_process.process.pid, "client": os.getpid()}
        cpu_before = _cpu_times(pids)
        (outcomes, login_seconds), loaded = await asyncio.gather(
            _login_load(auth, usernames[:-1], args.duration),
            _probe_me(users, bearer, args.duration, args.probe_rate),
        )
        cpu_after = _cpu_times(pids)
        idle.append(await _probe_me(users, bearer, args.baseline_seconds, args.probe_rate))
    hashes.append(await asyncio.to_thread(_hash_rate, args.hash_seconds))
    cpu = {name: cpu_after[name] - before for name, before in cpu_before.items()}
    return Results(hashes, outcomes, login_seconds, cpu, idle, loaded)


def _report(args: argparse.Namespace, results: Results) -> None:
    hash_rate = statistics.mean(run.rate for run in results.hashes)
    cpu_each = sum(r.cpu_seconds for r in results.hashes) / sum(r.verifications for r in results.hashes)
    print(
        f"(a) argon2id m={ARGON2.argon2_memory_kib} KiB t={ARGON2.argon2_time_cost} "
        f"p={ARGON2.argon2_parallelism} on {results.hashes[0].threads} threads: {hash_rate:.1f} hashes/s "
        f"({results.hashes[0].rate:.1f} before, {results.hashes[1].rate:.1f} after the services), "
        f"{cpu_each * 1000:.1f} ms CPU each"
    )
    outcomes = Counter(results.outcomes)
    logins = outcomes.pop(200, 0)
    login_rate = logins / results.login_seconds
    failed = f" (failed: {dict(outcomes)})" if outcomes else ""
    print(
        f"(b) {args.concurrency} clients x {results.login_seconds:.1f}s: {logins} logins{failed} = "
        f"{login_rate:.1f} logins/s vs {hash_rate:.1f} hashes/s -> logins/hash {login_rate / hash_rate:.2f}"
    )
    cpu, used = results.cpu, {name: s / results.login_seconds for name, s in results.cpu.items()}
    print(
        f"    CPUs used meanwhile (of {os.cpu_count()}): auth {used['auth']:.2f}, users {used['users']:.2f}, "
        f"this client {used['client']:.2f}"
    )
    print(
        f"    auth CPU per login: event loop {cpu['auth loop'] / max(logins, 1) * 1000:.1f} ms + other "
        f"threads (argon2 pool) {(cpu['auth'] - cpu['auth loop']) / max(logins, 1) * 1000:.1f} ms"
    )
    before, after = results.idle
    idle, rate = before + after, f"GET /me at {args.probe_rate:g}/s"
    print(f"(c) {rate}, auth idle:       {idle.summary()}")
    print(f"    {rate}, under login load: {results.loaded.summary()}")
    print(
        f"    p99 under login load / p99 idle: {results.loaded.p(99) / idle.p(99):.1f}x "
        f"(idle p99 before the load {before.p(99) * 1000:.1f} ms, after {after.p(99) * 1000:.1f} ms)"
    )


async def main(args: argparse.Namespace) -> None:
    run = uuid.uuid4().hex[:8]
    # One account per login client, and one more for the GET /me probe.
    usernames = [f"bench{run}n{n}" for n in range(args.concurrency + 1)]
    with tempfile.TemporaryDirectory(prefix="auth-bench-") as logs:
        results = await _run(args, usernames, Path(logs))
    _report(args, results)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of login load (b, c)")
    parser.add_argument("--concurrency", type=int, default=16, help="login clients")
    parser.add_argument("--probe-rate", type=float, default=20.0, help="GET /me requests per second")
    parser.add_argument("--baseline-seconds", type=float, default=5.0, help="GET /me with auth idle, twice")
    parser.add_argument("--hash-seconds", type=float, default=4.0, help="bare argon2id verifications, twice")
    asyncio.run(main(parser.parse_args()))
