"""HTTP load generators for the benchmarks: wrk when installed, else a Python asyncio client.

Both keep ``connections`` requests in flight back to back (a closed loop) for a whole number of
seconds and report the same :class:`Sample`.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

WRK_TIMEOUT = "10s"  # a slow answer counts as latency, not as a socket error
# wrk's done() hook hands over its latency histogram (microseconds) and error counts as one JSON line;
# its percentiles are the ones `wrk --latency` prints, without the unit-suffixed text to parse.
WRK_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "p50_us": %.1f, "p99_us": %.1f, "max_us": %.1f, '
      .. '"status_errors": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""
INSTALL_WRK = "apt-get install -y wrk"


@dataclass(frozen=True)
class Sample:
    """What a load generator reports for one URL and period; latencies in seconds."""

    requests: int
    seconds: float
    p50: float
    p99: float
    max: float
    failed: int  # responses of 400 and above, plus connection errors and timeouts
    client_cpu: float  # CPU seconds the load generator used

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


type Generator = Callable[[str, int], Awaitable[Sample]]


def wrk(headers: Mapping[str, str], connections: int, script: Path) -> Generator:
    """wrk with one thread per CPU; ``headers`` go on every request through the Lua ``script`` it writes."""
    # JSON string literals are valid Lua ones for the ASCII that header values are.
    lines = [f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}" for name, value in headers.items()]
    script.write_text("\n".join(lines) + "\n" + WRK_DONE)
    threads = min(os.cpu_count() or 1, connections)

    async def generate(url: str, seconds: int) -> Sample:
        argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", WRK_TIMEOUT]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        process = await asyncio.create_subprocess_exec(
            *argv, "-s", str(script), url, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        output = (await process.communicate())[0].decode(errors="replace")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        line = next((ln for ln in output.splitlines() if ln.startswith("WRK_RESULT ")), None)
        if process.returncode != 0 or line is None:
            raise RuntimeError(f"wrk failed (exit {process.returncode}):\n{output}")
        r = json.loads(line.removeprefix("WRK_RESULT "))
        return Sample(
            requests=r["requests"],
            seconds=r["duration_us"] / 1e6,
            p50=r["p50_us"] / 1e6,
            p99=r["p99_us"] / 1e6,
            max=r["max_us"] / 1e6,
            failed=r["status_errors"] + r["socket_errors"],
            client_cpu=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        )

    return generate


def python_client(headers: Mapping[str, str], connections: int) -> Generator:
    """The stand-in for wrk: one httpx client in this process, ``connections`` requests in flight."""

    async def generate(url: str, seconds: int) -> Sample:
        latencies: list[float] = []
        failed = 0
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(timeout=30.0, limits=limits, headers=dict(headers)) as client:
            cpu, started = time.process_time(), time.perf_counter()
            deadline = started + seconds

            async def one_connection() -> None:
                nonlocal failed
                while (sent := time.perf_counter()) < deadline:
                    try:
                        failed += (await client.get(url)).status_code >= 400
                    except httpx.TransportError:
                        failed += 1
                    latencies.append(time.perf_counter() - sent)

            await asyncio.gather(*(one_connection() for _ in range(connections)))
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        cuts = statistics.quantiles(latencies, n=100, method="inclusive")
        return Sample(len(latencies), elapsed, cuts[49], cuts[98], max(latencies), failed, cpu)

    return generate


def load_generator(headers: Mapping[str, str], connections: int, directory: Path) -> tuple[Generator, str]:
    """wrk if it is installed, else the Python client; and a line saying which, for the output."""
    if shutil.which("wrk"):
        threads = min(os.cpu_count() or 1, connections)
        return wrk(headers, connections, directory / "headers.lua"), f"wrk, {threads} threads"
    return python_client(headers, connections), (
        f"a Python asyncio client (httpx), because wrk is not installed (`{INSTALL_WRK}`); on a small"
        " machine this client is likely the bottleneck, so the ratios understate the gap"
    )
