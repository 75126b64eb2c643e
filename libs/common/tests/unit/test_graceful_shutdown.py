"""The draining state: readiness fails first, the server stops after the drain, a second signal forces;
background tasks finish their unit of work, or are cancelled once they had their time."""

from __future__ import annotations

import asyncio
import signal

import pytest
import uvicorn
from litestar import Litestar, get
from litestar.testing import AsyncTestClient
from structlog.testing import capture_logs

from switchyard.common.http import HttpSettings, create_app
from switchyard.common.http.health import ReadinessCheck, draining
from switchyard.common.runtime.background import background_task
from switchyard.common.runtime.serve import DrainingServer
from switchyard.common.runtime.settings import ShutdownSettings, load_service_settings

_REQUIRED = {
    "DATABASE_URL": "postgresql+asyncpg://x@h/db",
    "KAFKA_BOOTSTRAP_SERVERS": "k:9092",
    "REDIS_URL": "redis://r:6379/0",
}


@get("/work", sync_to_thread=False)
def work() -> dict[str, str]:
    return {"done": "yes"}


async def _up() -> None:
    return None


def _app() -> Litestar:
    return create_app(
        service="test",
        settings=HttpSettings(),
        route_handlers=[work],
        readiness_checks=[ReadinessCheck("database", _up)],
    )


def _server(app: Litestar, drain_s: float) -> DrainingServer:
    return DrainingServer(uvicorn.Config(app), flag=draining(app), drain_s=drain_s)


async def test_a_draining_app_is_not_ready_but_still_serves() -> None:
    app = _app()
    async with AsyncTestClient(app) as client:
        assert (await client.get("/health/ready")).status_code == 200
        draining(app).begin()

        ready = await client.get("/health/ready")
        served = await client.get("/work")
        live = await client.get("/health/live")

    assert ready.status_code == 503
    assert ready.headers["content-type"].startswith("application/problem+json")
    assert (ready.json()["title"], ready.json()["detail"]) == ("Not Ready", "shutting down")
    assert (served.status_code, live.status_code) == (200, 200)


def test_the_draining_flag_is_one_per_app() -> None:
    first, second = _app(), _app()
    draining(first).begin()

    assert draining(first) is draining(first)
    assert (draining(first).active, draining(second).active) == (True, False)


async def test_the_first_signal_drains_before_the_server_stops() -> None:
    app = _app()
    server = _server(app, drain_s=3600)

    server.handle_exit(signal.SIGTERM, None)

    assert draining(app).active
    assert (server.should_exit, server.force_exit) == (False, False)
    assert await server.on_tick(1) is False, "requests are still served while draining"


async def test_the_server_stops_once_the_drain_is_over() -> None:
    server = _server(_app(), drain_s=0)

    server.handle_exit(signal.SIGTERM, None)

    assert await server.on_tick(1) is True
    assert server.force_exit is False, "in-flight requests and the lifespan shutdown still run"


async def test_no_signal_no_drain() -> None:
    app = _app()
    server = _server(app, drain_s=0)

    assert await server.on_tick(1) is False
    assert not draining(app).active


@pytest.mark.parametrize("second", [signal.SIGTERM, signal.SIGINT])
async def test_a_second_signal_forces_the_exit(second: signal.Signals) -> None:
    server = _server(_app(), drain_s=3600)
    server.handle_exit(signal.SIGTERM, None)

    server.handle_exit(second, None)

    assert (server.should_exit, server.force_exit) == (True, True)
    assert await server.on_tick(1) is True


def test_shutdown_settings_come_from_the_environment() -> None:
    environ = {
        **_REQUIRED,
        "SHUTDOWN_DRAIN_S": "0.5",
        "SHUTDOWN_HTTP_TIMEOUT_S": "12",
        "SHUTDOWN_WORK_TIMEOUT_S": "3",
    }

    shutdown = load_service_settings(environ).shutdown

    assert shutdown == ShutdownSettings(drain_s=0.5, http_timeout_s=12, work_timeout_s=3.0)
    assert shutdown.worst_case_s == 0.5 + 12 + 4 * 3.0
    assert load_service_settings(_REQUIRED).shutdown == ShutdownSettings()


async def test_a_background_task_finishes_its_unit_then_what_it_used_is_closed() -> None:
    steps: list[str] = []

    async def run(stop: asyncio.Event) -> None:
        await stop.wait()
        steps.append("unit finished")

    async def close() -> None:
        steps.append("closed")

    async with background_task("worker", run, after=[close])(_app()):
        steps.append("serving")

    assert steps == ["serving", "unit finished", "closed"]


async def test_a_background_task_still_busy_after_its_time_is_cancelled_and_closed() -> None:
    steps: list[str] = []

    async def run(_stop: asyncio.Event) -> None:
        try:
            await asyncio.Event().wait()  # a unit of work that never ends
        except asyncio.CancelledError:
            steps.append("cancelled")
            raise

    async def close() -> None:
        steps.append("closed")

    async with background_task("stuck", run, after=[close], stop_within=0.01)(_app()):
        pass

    assert steps == ["cancelled", "closed"]


async def test_a_background_task_that_failed_earlier_still_has_what_it_used_closed() -> None:
    steps: list[str] = []

    async def run(_stop: asyncio.Event) -> None:
        raise RuntimeError("the importer crashed")

    async def close() -> None:
        steps.append("closed")

    with capture_logs() as logs:
        async with background_task("crashed", run, after=[close])(_app()):
            await asyncio.sleep(0)  # the task runs, and fails, while the app serves

    assert steps == ["closed"]
    assert [entry["event"] for entry in logs if entry["log_level"] == "error"] == [
        "background task had failed"
    ]
