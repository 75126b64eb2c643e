"""Running a service process: settings, composition root, uvicorn."""

from __future__ import annotations

from collections.abc import Callable

import uvicorn
from litestar import Litestar

from switchyard.common.runtime.settings import ServiceSettings, load_service_settings
from switchyard.common.serving import UVICORN_OPTIONS
from switchyard.common.settings import exit_on_settings_error


def serve(service: str, bootstrap: Callable[[ServiceSettings], Litestar]) -> None:
    """Entry point body of ``python -m switchyard.<service>``; a bad setting exits 2 with one line."""
    with exit_on_settings_error(f"switchyard-{service}"):
        settings = load_service_settings()
    app = bootstrap(settings)
    uvicorn.run(app, host=settings.http.host, port=settings.http.port, **UVICORN_OPTIONS)
