"""Telemetry settings, named after the standard OpenTelemetry variables (prefix ``OTEL_``)."""

from __future__ import annotations

import msgspec


class TelemetrySettings(msgspec.Struct, frozen=True, kw_only=True):
    """Tracing configuration: export is off unless an OTLP endpoint is set.

    ``load_settings(TelemetrySettings, prefix="OTEL_")`` reads ``OTEL_EXPORTER_OTLP_ENDPOINT``,
    ``OTEL_TRACES_SAMPLER_ARG`` and ``OTEL_SERVICE_VERSION``.
    """

    exporter_otlp_endpoint: str | None = None
    traces_sampler_arg: float = 1.0
    service_version: str = "0.1.0"
    deployment_environment: str = "local"
