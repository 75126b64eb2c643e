"""Authenticated GET /api/v1/users/me through the nginx gateway, next to a bare Litestar hello-world.

    .venv/bin/python bench/users_me.py [--duration 15] [--connections 64] [--rounds 2] [--warmup 5]

Environment: BENCH_DATABASE_URL, BENCH_KAFKA, BENCH_REDIS_URL as for bench/auth_login.py (each
defaults to the running local stack's). Everything runs on free loopback ports: auth and users as
real processes on throwaway databases, bench/_hello.py (a bare Litestar app under uvicorn with the
options `switchyard.common.runtime.serve` gives the services), and an nginx rendered from
deploy/nginx/gateway.conf.template by deploy/local/gateway.py, with the users upstream on the users
process and the notifications upstream on the hello-world, so both routes cross the same nginx
configuration.

One account registers, logs in and waits for its profile; then `wrk` (--connections connections,
one thread per CPU, the bearer set by a Lua script) loads each route for --warmup seconds
(discarded), then for --duration seconds per route and round, the order alternating between rounds
so a drifting machine weighs on both alike. Requests/s are pooled over the rounds, p99 is the median
of the rounds' p99. Printed: each round, the users/hello ratios, the CPU each process spent per
request, and the resident memory of users, the hello-world and nginx (master + workers) after the
run. Without wrk (`apt-get install -y wrk`) a Python asyncio client stands in, and says so.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from switchyard.common.testing import ServiceProcess, free_port, wait_until

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: bench, deploy
from bench._load import Generator, Sample, load_generator
from bench._support import (
    TIMEOUT,
    accounts,
    auth_and_users,
    children,
    infrastructure,
    process_cpu_seconds,
    rss_bytes,
)
from deploy.local import gateway
from deploy.local.config import LOCAL_GATEWAY_SETTINGS, SERVICES

HELLO = Path(__file__).with_name("_hello.py")
# Route through the gateway, by the process behind it.
ROUTES = {"users": "/api/v1/users/me", "hello": "/api/v1/notifications/me"}


@dataclass(frozen=True)
class Load:
    sample: Sample
    cpu: dict[str, float]  # CPU seconds used during the load, by process name


async def _spawn(name: str, argv: Sequence[str], *, port: int, ready: str, log: Path) -> ServiceProcess:
    """Start a process and return once ``GET <ready>`` on ``port`` answers 200."""
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(*argv, stdout=output, stderr=subprocess.STDOUT)
    started = ServiceProcess(name, f"http://127.0.0.1:{port}", process, log)
    try:
        async with httpx.AsyncClient(base_url=started.base_url, timeout=2.0) as client:

            async def answers() -> bool:
                if process.returncode is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}:\n{started.output()}")
                try:
                    return (await client.get(ready)).status_code == 200
                except httpx.TransportError:
                    return False

            await wait_until(answers, within=30.0, interval=0.1)
    except BaseException:
        await started.stop(within=5.0)
        raise
    return started


async def _start_hello(logs: Path) -> ServiceProcess:
    port = free_port()
    argv = [sys.executable, str(HELLO), str(port)]
    return await _spawn("hello", argv, port=port, ready="/me", log=logs / "hello.log")


@asynccontextmanager
async def _gateway(directory: Path, upstreams: dict[str, ServiceProcess]) -> AsyncIterator[ServiceProcess]:
    """nginx with the real gateway template; ``upstreams`` by service, the rest on the hello-world."""
    address = {name: urlsplit(p.base_url).netloc for name, p in upstreams.items()}
    port, error_log = free_port(), directory / "error.log"
    values = gateway.template_values(
        listen=f"127.0.0.1:{port}",
        access_log=str(directory / "access.log"),
        upstreams={service: address.get(service, address["notifications"]) for service in SERVICES},
        # The local stack's limits: the production defaults would answer this load with 429s.
        settings=LOCAL_GATEWAY_SETTINGS,
    )
    main = gateway.write_config(directory, values=values, error_log=error_log, worker=None)
    gateway.check_config(main, error_log)
    argv = gateway.nginx_argv(main, error_log)
    nginx = await _spawn("nginx", argv, port=port, ready="/health", log=directory / "nginx.log")
    try:
        yield nginx
    finally:
        await nginx.stop()


def _rss(pids: dict[str, list[int]]) -> dict[str, int]:
    return {name: sum(rss_bytes(pid) for pid in group) for name, group in pids.items()}


async def _measure(generate: Generator, url: str, seconds: int, pids: dict[str, list[int]]) -> Load:
    before = {name: process_cpu_seconds(group) for name, group in pids.items()}
    sample = await generate(url, seconds)
    cpu = {name: process_cpu_seconds(group) - before[name] for name, group in pids.items()}
    return Load(sample, cpu)


@dataclass
class Results:
    generator: str
    rounds: list[dict[str, Load]]
    rss_before: dict[str, int]
    rss_after: dict[str, int]
    nginx_workers: int


async def _run(args: argparse.Namespace, logs: Path) -> Results:
    infra = infrastructure()
    async with AsyncExitStack() as stack:
        auth, users = await stack.enter_async_context(auth_and_users(infra, logs))
        hello = await _start_hello(logs)
        stack.push_async_callback(hello.stop)
        upstreams = {"auth": auth, "users": users, "notifications": hello}
        nginx = await stack.enter_async_context(_gateway(logs / "nginx", upstreams))
        async with (
            httpx.AsyncClient(base_url=auth.base_url, timeout=TIMEOUT) as auth_client,
            httpx.AsyncClient(base_url=users.base_url, timeout=TIMEOUT) as users_client,
        ):
            bearer = await accounts(auth_client, users_client, [f"bench{uuid.uuid4().hex[:8]}"])
        urls = {name: f"{nginx.base_url}{route}" for name, route in ROUTES.items()}
        async with httpx.AsyncClient(timeout=TIMEOUT, headers=bearer) as client:
            for url in urls.values():
                (await client.get(url)).raise_for_status()
        generate, generator = load_generator(bearer, args.connections, logs)
        processes = {"users": users, "hello": hello, "nginx": nginx}
        pids = {name: [p.process.pid, *children(p.process.pid)] for name, p in processes.items()}
        rss_before = _rss(pids)
        for url in urls.values():
            await generate(url, args.warmup)
        rounds = []
        for n in range(args.rounds):
            order = list(urls) if n % 2 == 0 else list(reversed(urls))
            rounds.append({name: await _measure(generate, urls[name], args.duration, pids) for name in order})
        rss_after = _rss(pids)
    return Results(generator, rounds, rss_before, rss_after, len(pids["nginx"]) - 1)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def _line(name: str, load: Load) -> str:
    s = load.sample
    failed = f", {s.failed} failed" if s.failed else ""
    return (
        f"{name:<5} {ROUTES[name]:<25} {s.rate:>8,.0f} req/s  p99 {_ms(s.p99):>9}  "
        f"(p50 {_ms(s.p50)}, max {_ms(s.max)}, {s.requests:,} requests{failed})"
    )


@dataclass(frozen=True)
class Pooled:
    """One route over all rounds: requests/s pooled, percentiles the median of the rounds'."""

    rate: float
    p50: float
    p99: float
    cpu_per_request: dict[str, float]  # seconds, by process
    cpus_busy: dict[str, float]  # CPU seconds per second of load, by process


def _pooled(results: Results, name: str) -> Pooled:
    loads = [r[name] for r in results.rounds]
    requests = sum(lo.sample.requests for lo in loads)
    seconds = sum(lo.sample.seconds for lo in loads)
    cpu = {who: sum(lo.cpu[who] for lo in loads) for who in (name, "nginx")}
    cpu["load generator"] = sum(lo.sample.client_cpu for lo in loads)
    return Pooled(
        rate=requests / seconds,
        p50=statistics.median(lo.sample.p50 for lo in loads),
        p99=statistics.median(lo.sample.p99 for lo in loads),
        cpu_per_request={who: c / requests for who, c in cpu.items()},
        cpus_busy={who: c / seconds for who, c in cpu.items()},
    )


def _report(args: argparse.Namespace, results: Results) -> None:
    print(f"load generator: {results.generator}")
    print(
        f"{args.connections} connections; {args.warmup} s warm-up per route, then {args.rounds} round(s) "
        f"of {args.duration} s per route; {os.cpu_count()} CPUs shared by everything"
    )
    for n, measured in enumerate(results.rounds, 1):
        for k, (name, load) in enumerate(measured.items()):
            print(f"{f'round {n}' if k == 0 else '':<8} {_line(name, load)}")
    users, hello = _pooled(results, "users"), _pooled(results, "hello")
    print(
        f"users/hello: requests/s {users.rate:,.0f} / {hello.rate:,.0f} = {users.rate / hello.rate:.2f}; "
        f"p99 {_ms(users.p99)} / {_ms(hello.p99)} = {users.p99 / hello.p99:.1f}x "
        f"(p50 {_ms(users.p50)} / {_ms(hello.p50)})"
    )
    print("CPU per request during the load (vCPUs busy):")
    for name, pooled in (("users", users), ("hello", hello)):
        parts = [
            f"{who} {per * 1000:.2f} ms ({pooled.cpus_busy[who]:.2f})"
            for who, per in pooled.cpu_per_request.items()
        ]
        print(f"  {name:<5} route: {', '.join(parts)}")
    before, after = results.rss_before, results.rss_after
    print(
        f"RSS after the run (before the load): users {_mib(after['users'])} ({_mib(before['users'])}), "
        f"hello {_mib(after['hello'])} ({_mib(before['hello'])}), nginx {_mib(after['nginx'])} "
        f"({_mib(before['nginx'])}; master + {results.nginx_workers} workers)"
    )


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="users-me-bench-") as logs:
        results = await _run(args, Path(logs))
    _report(args, results)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per route and round")
    parser.add_argument("--connections", type=int, default=64, help="concurrent connections")
    parser.add_argument("--rounds", type=int, default=2, help="rounds, each loading both routes")
    parser.add_argument("--warmup", type=int, default=5, help="seconds per route before measuring")
    asyncio.run(main(parser.parse_args()))
