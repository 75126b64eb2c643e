"""Tracer provider construction and instrumentation wiring (no exporter traffic)."""

from __future__ import annotations

import subprocess
import sys

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from switchyard.common.observability.settings import TelemetrySettings
from switchyard.common.observability.tracing import build_tracer_provider
from switchyard.common.settings import load_settings


def test_settings_read_standard_otel_variables() -> None:
    settings = load_settings(
        TelemetrySettings,
        prefix="OTEL_",
        environ={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_TRACES_SAMPLER_ARG": "0.25"},
    )

    assert settings.exporter_otlp_endpoint == "http://collector:4318"
    assert settings.traces_sampler_arg == 0.25


def test_provider_without_endpoint_records_to_given_processors_only() -> None:
    exporter = InMemorySpanExporter()
    provider = build_tracer_provider(
        TelemetrySettings(service_version="1.2.3"),
        service="users",
        span_processors=[SimpleSpanProcessor(exporter)],
    )

    with provider.get_tracer("test").start_as_current_span("work"):
        pass

    (span,) = exporter.get_finished_spans()
    assert span.name == "work"
    assert span.resource.attributes["service.name"] == "users"
    assert span.resource.attributes["service.version"] == "1.2.3"
    # Without an endpoint only the test's processor is attached: no exporter thread, nothing sent.
    assert len(provider._active_span_processor._span_processors) == 1


def test_provider_with_endpoint_adds_batch_exporter() -> None:
    provider = build_tracer_provider(
        TelemetrySettings(exporter_otlp_endpoint="http://127.0.0.1:9"), service="x"
    )
    try:
        (processor,) = provider._active_span_processor._span_processors
        assert type(processor).__name__ == "BatchSpanProcessor"
    finally:
        provider.shutdown()


def test_sampling_ratio_zero_drops_root_spans() -> None:
    exporter = InMemorySpanExporter()
    provider = build_tracer_provider(
        TelemetrySettings(traces_sampler_arg=0.0),
        service="x",
        span_processors=[SimpleSpanProcessor(exporter)],
    )

    with provider.get_tracer("test").start_as_current_span("dropped") as span:
        assert not span.is_recording()

    assert exporter.get_finished_spans() == ()


def test_configure_tracing_sets_global_provider_and_w3c_propagation() -> None:
    # A subprocess: the global provider can be set only once per process, and other tests may need it.
    code = """
from opentelemetry import propagate, trace
from switchyard.common.observability import TelemetrySettings, configure_tracing
provider = configure_tracing(TelemetrySettings(), service="users")
assert trace.get_tracer_provider() is provider
with provider.get_tracer("t").start_as_current_span("work") as span:
    carrier = {}
    propagate.inject(carrier)
context = span.get_span_context()
assert carrier["traceparent"].startswith(f"00-{context.trace_id:032x}-{context.span_id:016x}-"), carrier
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
