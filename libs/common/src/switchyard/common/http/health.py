"""Liveness and readiness endpoints, readiness checks for the usual dependencies, and draining.

Once the process begins to shut down (:class:`Draining`), readiness answers 503 at once while every
other route is still served, so load balancers stop sending traffic before the listener closes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from litestar import Litestar, Request, Router, get
from litestar.response import Response
from sqlalchemy import text

from switchyard.common.http.problems import ProblemError

if TYPE_CHECKING:
    from faststream.kafka import KafkaBroker
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncEngine

_log = structlog.get_logger(__name__)

type Probe = Callable[[], Awaitable[object]]

_DRAINING = "switchyard_draining"


class DependencyDown(Exception):
    """A probe found its dependency unavailable without raising on its own."""


@dataclass(frozen=True, slots=True)
class ReadinessCheck:
    """A named probe; it is healthy when it returns within the timeout without raising."""

    name: str
    probe: Probe


class Draining:
    """Set when the process begins to shut down; readiness fails from then on, and open event
    streams end (:func:`switchyard.common.http.streams.until_shutdown`)."""

    __slots__ = ("_began", "active")

    def __init__(self) -> None:
        self.active = False
        self._began: asyncio.Event | None = None

    def begin(self) -> None:
        # One assignment: safe from a signal handler. The server calls `announce` from its loop.
        self.active = True

    def announce(self) -> None:
        """Wake the waiters of :meth:`wait`; called from the event loop once ``active`` is set."""
        if self.active and self._began is not None:
            self._began.set()

    async def wait(self) -> None:
        """Return once the process has begun to shut down."""
        if self._began is None:
            self._began = asyncio.Event()
        if self.active:
            return
        await self._began.wait()


def draining(app: Litestar) -> Draining:
    """``app``'s draining flag (made on first use): the server begins it, ``/health/ready`` reads it."""
    flag = app.state.get(_DRAINING)
    if not isinstance(flag, Draining):
        flag = app.state[_DRAINING] = Draining()
    return flag


def database_check(engine: AsyncEngine, *, name: str = "database") -> ReadinessCheck:
    async def probe() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    return ReadinessCheck(name, probe)


def redis_check(client: Redis, *, name: str = "redis") -> ReadinessCheck:
    async def probe() -> None:
        await client.ping()

    return ReadinessCheck(name, probe)


def kafka_check(broker: KafkaBroker, *, name: str = "kafka", timeout_s: float = 2.0) -> ReadinessCheck:
    async def probe() -> None:
        if not await broker.ping(timeout_s):
            raise DependencyDown("broker did not answer")

    return ReadinessCheck(name, probe)


async def _run(check: ReadinessCheck, timeout_s: float) -> bool:
    try:
        async with asyncio.timeout(timeout_s):
            await check.probe()
    except Exception as exc:  # any failure, including the timeout, means "not ready"
        _log.warning("readiness_check_failed", check=check.name, error=repr(exc))
        return False
    return True


async def run_readiness_checks(checks: Sequence[ReadinessCheck], *, timeout_s: float) -> dict[str, str]:
    """Run every check concurrently; map each name to ``"up"`` or ``"down"``."""
    results = await asyncio.gather(*(_run(check, timeout_s) for check in checks))
    return {check.name: "up" if ok else "down" for check, ok in zip(checks, results, strict=True)}


def health_router(checks: Sequence[ReadinessCheck], *, timeout_s: float) -> Router:
    """``GET /health/live`` (this process only) and ``GET /health/ready`` (its dependencies; 503
    "shutting down" as soon as the app is :func:`draining`)."""

    @get("/live", sync_to_thread=False, summary="Liveness: the process is serving")
    def live() -> dict[str, str]:
        return {"status": "live"}

    @get("/ready", summary="Readiness: every dependency answers")
    async def ready(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        if draining(request.app).active:
            raise ProblemError(503, "Not Ready", "shutting down")
        results = await run_readiness_checks(checks, timeout_s=timeout_s)
        down = sorted(name for name, state in results.items() if state != "up")
        if down:
            raise ProblemError(503, "Not Ready", f"Unavailable: {', '.join(down)}", extra={"checks": results})
        return Response({"status": "ready", "checks": results})

    return Router("/health", route_handlers=[live, ready], include_in_schema=True)
