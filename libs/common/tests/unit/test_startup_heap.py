"""Once a service has started, its start-up heap is frozen out of the garbage collector's walks."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
import uvicorn
from litestar import Litestar, get

from switchyard.common.runtime.serve import AnnouncedLifespan, freeze_startup_heap


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """The collector as CPython starts it, and put back afterwards."""
    thresholds = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@get("/")
async def _hello() -> str:
    return "hi"


def test_freezing_moves_live_objects_to_the_permanent_generation(unfrozen: None) -> None:
    before = gc.get_freeze_count()
    live = {"kept": [object() for _ in range(1000)]}
    freeze_startup_heap()
    assert before == 0
    assert gc.get_freeze_count() > 1000
    assert live["kept"]  # still there: frozen, not collected
    assert gc.get_threshold() == (10_000, 10, 10)


async def test_the_heap_is_frozen_once_the_app_has_started_not_before(unfrozen: None) -> None:
    started: list[int] = []
    app = Litestar([_hello], on_startup=[lambda: started.append(gc.get_freeze_count())])
    config = uvicorn.Config(app, lifespan="on")
    config.load()
    lifespan = AnnouncedLifespan(config)

    await lifespan.startup()
    try:
        assert started == [0]
        assert gc.get_freeze_count() > 0
    finally:
        await lifespan.shutdown()


async def test_a_failed_start_freezes_nothing(unfrozen: None) -> None:
    def fail() -> None:
        raise RuntimeError("no database")

    config = uvicorn.Config(Litestar([_hello], on_startup=[fail]), lifespan="on")
    config.load()
    lifespan = AnnouncedLifespan(config)

    await lifespan.startup()

    assert lifespan.startup_failed
    assert gc.get_freeze_count() == 0
