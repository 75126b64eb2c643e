"""Tracing, metrics and structured logging shared by every service."""

from switchyard.common.observability.logging import add_trace_context, configure_logging
from switchyard.common.observability.metrics import declare_metric, http_request_duration
from switchyard.common.observability.redaction import redact_secrets
from switchyard.common.observability.settings import TelemetrySettings
from switchyard.common.observability.tracing import (
    build_tracer_provider,
    configure_tracing,
    instrument_redis,
    instrument_sqlalchemy,
)

__all__ = [
    "TelemetrySettings",
    "add_trace_context",
    "build_tracer_provider",
    "configure_logging",
    "configure_tracing",
    "declare_metric",
    "http_request_duration",
    "instrument_redis",
    "instrument_sqlalchemy",
    "redact_secrets",
]
