"""Running a service under test: in-process (its lifespan in the test's event loop) or as a process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from litestar import Litestar

from switchyard.common.db import DatabaseSettings
from switchyard.common.http import HttpSettings
from switchyard.common.messaging import KafkaSettings
from switchyard.common.observability import TelemetrySettings
from switchyard.common.runtime import ServiceSettings
from switchyard.common.runtime.settings import JwtSettings, LogSettings, RedisSettings, ShutdownSettings

# Values that load as valid settings but reach nothing: what a settings-only check needs.
_UNREACHABLE_ENVIRONMENT = {
    "DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:9/nothing",
    "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",
    "REDIS_URL": "redis://127.0.0.1:9/0",
    "HTTP_PORT": "9",
}


def service_settings(*, database_url: str, kafka: KafkaSettings, redis_url: str) -> ServiceSettings:
    """Settings of a service under test: its own database, the test's Kafka prefix, no exporting.

    No drain on SIGTERM: no load balancer watches a test's process (the shutdown tests set one).
    """
    return ServiceSettings(
        database=DatabaseSettings(url=database_url, pool_size=3),
        kafka=kafka,
        redis=RedisSettings(url=redis_url),
        http=HttpSettings(),
        telemetry=TelemetrySettings(deployment_environment="test"),
        log=LogSettings(level="INFO"),
        jwt=JwtSettings(),
        shutdown=ShutdownSettings(drain_s=0.0),
    )


def service_environment(settings: ServiceSettings, *, port: int) -> dict[str, str]:
    """The environment variables under which ``python -m switchyard.<name>`` loads ``settings``."""
    return {
        "DATABASE_URL": settings.database.url,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "KAFKA_TOPIC_PREFIX": settings.kafka.topic_prefix,
        "REDIS_URL": settings.redis.url,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
        "LOG_LEVEL": settings.log.level,
        "OTEL_DEPLOYMENT_ENVIRONMENT": settings.telemetry.deployment_environment,
        "JWT_ISSUER": settings.jwt.jwt_issuer,
        "JWT_AUDIENCE": settings.jwt.jwt_audience,
        "SHUTDOWN_DRAIN_S": str(settings.shutdown.drain_s),
        "SHUTDOWN_HTTP_TIMEOUT_S": str(settings.shutdown.http_timeout_s),
        "SHUTDOWN_WORK_TIMEOUT_S": str(settings.shutdown.work_timeout_s),
        "PROCESSED_EVENTS_RETENTION_DAYS": str(settings.pruning.processed_events_retention_days),
        "PRUNE_INTERVAL_S": str(settings.pruning.prune_interval_s),
        "PRUNE_BATCH": str(settings.pruning.prune_batch),
        **({"JWKS_URL": settings.jwt.jwks_url} if settings.jwt.jwks_url else {}),
    }


@asynccontextmanager
async def running_app(
    app: Litestar, *, base_url: str = "http://testserver"
) -> AsyncIterator[httpx.AsyncClient]:
    """Run ``app``'s lifespan (migrations, relay, consumers) in this event loop and talk to it over ASGI.

    Unlike ``litestar.testing.AsyncTestClient``, which serves the app from another thread's event
    loop, everything the app opens shares the test's loop, so the test may use it alongside.
    """
    started, stop = asyncio.Event(), asyncio.Event()

    async def lifespan() -> None:
        # One task enters and leaves the lifespan: its anyio task group refuses to be left from
        # another task, which is what happens when a pytest fixture sets up and tears down.
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(lifespan(), name="switchyard-test-app-lifespan")
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait([task, waiter], return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if task.done():
        task.result()  # startup failed: raise its error here
        raise RuntimeError("the app's lifespan ended during startup")
    # httpx types the ASGI app more loosely than Litestar declares it.
    transport = httpx.ASGITransport(app)  # type: ignore[arg-type]
    try:
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client
    finally:
        stop.set()
        await task


@asynccontextmanager
async def served_over_http(
    app: Any, *, name: str, graceful_timeout_s: int | None = None
) -> AsyncIterator[str]:
    """``app`` (any ASGI app) served by uvicorn in this event loop on a free loopback port, without
    running its lifespan (the caller has, or it has none); the base URL. Real HTTP, so a streamed
    response reaches the client as it is written (an ASGI client gets it only once it ended)."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_config=None,
        lifespan="off",
        timeout_graceful_shutdown=graceful_timeout_s,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(), name=name)
    while not server.started:  # uvicorn exposes readiness only as this flag
        if task.done():
            task.result()
            raise RuntimeError(f"{name}: uvicorn stopped during startup")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class ServiceProcess:
    """A service started as ``python -m switchyard.<service>``; output goes to ``log``."""

    service: str
    base_url: str
    process: asyncio.subprocess.Process
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def terminate(self) -> None:
        """SIGTERM, as Kubernetes sends when a pod is deleted; see :meth:`exit_status`."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)

    async def exit_status(self, within: float) -> int | None:
        """The exit status once the process has ended, or None if it still runs after ``within`` s."""
        try:
            async with asyncio.timeout(within):
                return await self.process.wait()
        except TimeoutError:
            return None

    async def stop(self, within: float = 25.0) -> int:
        """SIGTERM, then SIGKILL after ``within`` seconds; the exit status."""
        self.terminate()
        if await self.exit_status(within) is None:
            self.process.kill()
            await self.process.wait()
        return int(self.process.returncode or 0)


async def start_service_process(
    service: str,
    settings: ServiceSettings,
    *,
    log: Path,
    ready_within: float = 30.0,
    extra_env: Mapping[str, str] | None = None,
) -> ServiceProcess:
    """Start the service and return once ``GET /health/ready`` answers 200.

    ``extra_env`` adds the service's own variables (``AUTH_*``, say).
    """
    port = free_port()
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            f"switchyard.{service}",
            env={**os.environ, **service_environment(settings, port=port), **(extra_env or {})},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    started = ServiceProcess(service, f"http://127.0.0.1:{port}", process, log)
    try:
        await _wait_ready(started, ready_within)
    except BaseException:
        await started.stop(within=5.0)
        raise
    return started


async def _wait_ready(started: ServiceProcess, within: float) -> None:
    async with httpx.AsyncClient(base_url=started.base_url, timeout=2.0) as client:
        try:
            async with asyncio.timeout(within):
                while True:
                    if started.process.returncode is not None:
                        raise RuntimeError(
                            f"{started.service} exited with {started.process.returncode}:\n{started.output()}"
                        )
                    with contextlib.suppress(httpx.TransportError):
                        if (await client.get("/health/ready")).status_code == 200:
                            return
                    await asyncio.sleep(0.1)
        except TimeoutError:
            raise TimeoutError(f"{started.service} not ready within {within}s:\n{started.output()}") from None


def run_service_module(
    service: str, environment: Mapping[str, str | None], *, timeout: float = 30.0
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m switchyard.<service>`` to completion with otherwise valid, unreachable settings.

    ``environment`` overrides those settings; a ``None`` value unsets the variable.
    """
    env = {"PATH": os.environ.get("PATH", ""), **_UNREACHABLE_ENVIRONMENT}
    for name, value in environment.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "-m", f"switchyard.{service}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A TCP port nothing listens on right now, and one this process has not been handed before.

    The kernel may give the same ephemeral port to two probes in a row once the first is closed, so
    two calls for one server's two listeners could collide; remembering what was handed out keeps
    every caller in this process apart.
    """
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port
