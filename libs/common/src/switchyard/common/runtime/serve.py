"""Running a service process: settings, composition root, uvicorn with a draining shutdown.

On SIGTERM (or SIGINT) the process first turns not-ready and keeps serving for ``SHUTDOWN_DRAIN_S``,
so load balancers take it out of rotation while nothing is refused; then uvicorn stops accepting,
lets the requests in flight finish and runs the app's lifespan shutdown (docs/operations.md).
"""

from __future__ import annotations

import asyncio
import gc
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import structlog
import uvicorn
from litestar import Litestar
from uvicorn.config import STARTUP_FAILURE
from uvicorn.lifespan.on import LifespanOn

from switchyard.common.db import create_engine
from switchyard.common.db.migrations import upgrade_to_head
from switchyard.common.db.settings import DatabaseSettings
from switchyard.common.http.health import Draining, draining
from switchyard.common.observability import configure_logging
from switchyard.common.runtime.settings import LogSettings, ServiceSettings, load_service_settings
from switchyard.common.serving import UVICORN_OPTIONS
from switchyard.common.settings import exit_on_settings_error, load_settings

log = structlog.get_logger()


class DrainingServer(uvicorn.Server):
    """uvicorn, not ready for ``drain_s`` seconds before its own graceful shutdown.

    A second signal skips what is left of the drain and of the wait for requests, as a second
    Ctrl+C does in plain uvicorn; the process then ends by that signal (SIGINT: exit status 130)
    instead of exiting 0.
    """

    def __init__(self, config: uvicorn.Config, *, flag: Draining, drain_s: float) -> None:
        super().__init__(config)
        self._flag = flag
        self._drain_s = drain_s
        self._drain_until: float | None = None
        self._signal: int | None = None
        self._announced = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # Runs as a signal handler: set flags only; on_tick logs and acts on them.
        if self._drain_until is None:
            self._signal = sig
            self._drain_until = time.monotonic() + self._drain_s
            self._flag.begin()
            return
        super().handle_exit(sig, frame)
        self.force_exit = True

    async def on_tick(self, counter: int) -> bool:
        if self._drain_until is not None:
            if not self._announced:
                self._announced = True
                name = signal.Signals(self._signal).name if self._signal else None
                log.info("shutdown: draining", signal=name, drain_s=self._drain_s)
            self._flag.announce()
            if time.monotonic() >= self._drain_until:
                self.should_exit = True
        return await super().on_tick(counter)


class AnnouncedLifespan(LifespanOn):
    """uvicorn's lifespan, saying when the app's shutdown begins: every request has finished by then.

    Once started, the heap built so far is frozen (see :func:`freeze_startup_heap`).
    """

    async def startup(self) -> None:
        await super().startup()
        if not self.startup_failed:
            freeze_startup_heap()

    async def shutdown(self) -> None:
        log.info("shutdown: http stopped")
        await super().shutdown()


def freeze_startup_heap() -> None:
    """Keep the cyclic garbage collector off the start-up heap, and run it less often.

    Modules, the app, its routes, the ORM's tables and compiled statements live as long as the
    process, yet each full collection walked all of them: on the import path, full collections
    took a quarter of each service's CPU (0.1 s each, ~30 per 200,000 rows). ``gc.freeze`` (the
    remedy CPython documents) leaves them out of every later collection. The first generation's
    threshold goes from 700 to 10,000 objects: a consumer batch holds thousands of objects alive
    at once (records, events, rows), so at 700 the young generation was collected several times
    per batch, walking objects about to be freed anyway: 3,900 collections and 0.95 s of CPU per
    200,000 rows, against 380 and 0.35 s now. At worst a few MB of cyclic garbage waits longer.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def serve(
    service: str, bootstrap: Callable[[ServiceSettings], Litestar], *, root: Path | None = None
) -> None:
    """Entry point body of ``python -m switchyard.<service>``; a bad setting exits 2 with one line.

    ``python -m switchyard.<service> migrate`` (given the service's ``root``, the folder of its
    ``alembic.ini``) applies pending migrations and exits: a Kubernetes init container's command.
    """
    if root is not None and sys.argv[1:2] == ["migrate"]:
        migrate(service, root)
        return
    with exit_on_settings_error(f"switchyard-{service}"):
        settings = load_service_settings()
    app = bootstrap(settings)
    config = uvicorn.Config(
        app,
        host=settings.http.host,
        port=settings.http.port,
        timeout_graceful_shutdown=settings.shutdown.http_timeout_s,
        **UVICORN_OPTIONS,
    )
    config.load()
    config.lifespan_class = AnnouncedLifespan
    server = DrainingServer(config, flag=draining(app), drain_s=settings.shutdown.drain_s)
    # A forced exit re-raises its signal once uvicorn is done: SIGTERM ends the process by it;
    # SIGINT arrives here as KeyboardInterrupt and exits 130, as an interrupted shell command does.
    interrupted = False
    try:
        server.run()
    except KeyboardInterrupt:
        interrupted = True
    if not server.started:
        sys.exit(STARTUP_FAILURE)
    if interrupted:
        sys.exit(128 + signal.SIGINT)


def migrate(service: str, root: Path) -> None:
    """Apply ``service``'s pending migrations (only ``DATABASE_*`` settings are needed), then exit.

    Replicas starting together are serialised by the same advisory lock as the start-up upgrade.
    """
    with exit_on_settings_error(f"switchyard-{service}"):
        database = load_settings(DatabaseSettings, prefix="DATABASE_")
        logs = load_settings(LogSettings, prefix="LOG_")
    configure_logging(logs.level, service=service, json=logs.json)

    async def run() -> None:
        engine = create_engine(database)
        try:
            await upgrade_to_head(engine, root)
        finally:
            await engine.dispose()

    asyncio.run(run())
    log.info("migrations applied", service=service)
