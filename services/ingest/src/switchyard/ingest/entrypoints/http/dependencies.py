"""Dependency providers of the imports controller, provided app-wide by bootstrap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from litestar.di import NamedDependency, Provide

from switchyard.ingest.adapters.storage import UploadStorage
from switchyard.ingest.service_layer.importing import Importer
from switchyard.ingest.service_layer.unit_of_work import IngestUnitOfWork
from switchyard.ingest.settings import IngestSettings


@dataclass(frozen=True, slots=True)
class Imports:
    """What the imports endpoints work with beside a unit of work."""

    settings: IngestSettings
    uow_factory: Callable[[], IngestUnitOfWork]
    storage: UploadStorage
    importer: Importer
    clock: Callable[[], datetime]


def http_dependencies(uow: Callable[[], IngestUnitOfWork], imports: Imports) -> dict[str, Provide]:
    return {
        "uow": Provide(uow, sync_to_thread=False),
        "imports": Provide(lambda: imports, use_cache=True, sync_to_thread=False),
    }


Uow = NamedDependency[IngestUnitOfWork]
ImportsContext = NamedDependency[Imports]
