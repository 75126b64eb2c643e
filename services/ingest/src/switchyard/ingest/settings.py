"""Settings of ingest itself (``INGEST_*``): where uploads are kept, limits, and the import pace."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import msgspec

from switchyard.common.settings import load_settings


def _default_storage_dir() -> str:
    return str(Path(tempfile.gettempdir()) / "switchyard-ingest")


class IngestSettings(msgspec.Struct, frozen=True, kw_only=True):
    # Uploaded files live here until their import ends: a volume every replica shares in production.
    storage_dir: str = msgspec.field(default_factory=_default_storage_dir)
    # The gateway enforces the same limit (client_max_body_size on /api/v1/imports/).
    max_upload_bytes: Annotated[int, msgspec.Meta(ge=1024)] = 200 * 1024 * 1024
    # Rows validated, sent and checkpointed together.
    batch_rows: Annotated[int, msgspec.Meta(ge=1, le=50_000)] = 2000
    # Rows sent to auth and not yet answered, at most: backpressure, and what a cancel cannot stop.
    max_rows_in_flight: Annotated[int, msgspec.Meta(ge=1)] = 50_000
    # The same file uploaded again within this window returns the existing job (unless force=true).
    duplicate_window_s: Annotated[int, msgspec.Meta(ge=0)] = 24 * 3600
    # How often progress is written and pushed to /events streams.
    progress_interval_s: Annotated[float, msgspec.Meta(gt=0)] = 0.5
    # An idle worker looks for queued imports this often (uploads also wake it at once).
    idle_poll_s: Annotated[float, msgspec.Meta(gt=0)] = 2.0
    stream_heartbeat_s: Annotated[float, msgspec.Meta(gt=0)] = 15.0
    # A read import with rows still unanswered and no answer for this long fails, saying how many
    # (auth dead-lettered them, say); without it the import would wait for ever.
    answer_timeout_s: Annotated[float, msgspec.Meta(gt=0)] = 1800.0


def load_ingest_settings(environ: Mapping[str, str] | None = None) -> IngestSettings:
    return load_settings(IngestSettings, prefix="INGEST_", environ=environ)
