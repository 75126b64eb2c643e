"""HTTP server settings, read with ``load_settings(HttpSettings, prefix="HTTP_")``."""

from __future__ import annotations

import msgspec


class HttpSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Where the API listens and the limits every app enforces."""

    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 1_048_576
    slow_request_ms: float = 1000.0
    readiness_timeout_s: float = 2.0
