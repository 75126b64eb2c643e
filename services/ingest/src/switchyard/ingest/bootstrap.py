"""Composition root of the ingest service."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from litestar import Litestar
from opentelemetry.sdk.trace import SpanProcessor

from switchyard.common.contracts import ImportCompleted, ImportRowsSubmitted
from switchyard.common.runtime import ServiceSettings, build_runtime
from switchyard.ingest.adapters.pruning import answer_records, claim_records
from switchyard.ingest.adapters.row_sender import RowSender
from switchyard.ingest.adapters.storage import UploadStorage
from switchyard.ingest.entrypoints.events.subscribers import subscribe_all
from switchyard.ingest.entrypoints.http import ROUTES
from switchyard.ingest.entrypoints.http.dependencies import Imports, http_dependencies
from switchyard.ingest.entrypoints.http.problems import PROBLEMS
from switchyard.ingest.service_layer.importing import Importer
from switchyard.ingest.service_layer.unit_of_work import IngestUnitOfWork
from switchyard.ingest.settings import IngestSettings, load_ingest_settings

SERVICE = "ingest"
# services/ingest/, where alembic.ini and migrations/ live.
SERVICE_ROOT = Path(__file__).resolve().parents[3]


def _now() -> datetime:
    return datetime.now(UTC)


def bootstrap(
    settings: ServiceSettings,
    *,
    ingest: IngestSettings | None = None,
    span_processors: Sequence[SpanProcessor] = (),
) -> Litestar:
    ingest = ingest if ingest is not None else load_ingest_settings()
    runtime = build_runtime(SERVICE, settings, root=SERVICE_ROOT, span_processors=span_processors)
    storage = UploadStorage(ingest.storage_dir, max_bytes=ingest.max_upload_bytes)

    def uow() -> IngestUnitOfWork:
        return IngestUnitOfWork(runtime.session_factory)

    # How long after a cancelled or failed import ended its answers may still come (and count): the
    # processed-events retention, which outlasts every copy of a command or answer in a topic.
    answers_window = timedelta(days=settings.pruning.processed_events_retention_days)
    runtime.pruner.add(answer_records(answers_window))
    runtime.pruner.add(claim_records())
    subscribe_all(runtime, storage=storage, clock=_now, answers_window=answers_window)
    sender = RowSender(settings.kafka, service=SERVICE)
    importer = Importer(
        settings=ingest, uow=uow, engine=runtime.engine, storage=storage, sender=sender, clock=_now
    )

    return runtime.app(
        route_handlers=ROUTES,
        produces=[ImportRowsSubmitted, ImportCompleted],
        dependencies=http_dependencies(uow, Imports(ingest, uow, storage, importer, _now)),
        problems=PROBLEMS,
        lifespan=[
            runtime.background_task(
                "ingest-importer",
                importer.run,
                after=[sender.close],
            )
        ],
    )
