"""How every service process runs under uvicorn; light to import, so benchmark baselines use it too.

The graceful-shutdown timeout comes from the service's settings (``SHUTDOWN_HTTP_TIMEOUT_S``).
"""

from __future__ import annotations

from typing import Any

UVICORN_OPTIONS: dict[str, Any] = {
    "log_config": None,
    "access_log": False,
    # Client addresses from X-Forwarded-For, trusted only from FORWARDED_ALLOW_IPS (default loopback).
    "proxy_headers": True,
}
