"""OpenTelemetry tracing: the tracer provider and instrumentation of SQLAlchemy and Redis clients."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from opentelemetry import metrics, propagate, trace
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBasedTraceIdRatio
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from switchyard.common.observability.settings import TelemetrySettings

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncEngine

_INSTRUMENTATION_NAME = "switchyard.common"


def build_tracer_provider(
    settings: TelemetrySettings, *, service: str, span_processors: Sequence[SpanProcessor] = ()
) -> TracerProvider:
    """A tracer provider exporting over OTLP/HTTP only when an endpoint is configured."""
    resource = Resource.create(
        {
            "service.name": service,
            "service.version": settings.service_version,
            "deployment.environment": settings.deployment_environment,
        }
    )
    provider = TracerProvider(resource=resource, sampler=ParentBasedTraceIdRatio(settings.traces_sampler_arg))
    if settings.exporter_otlp_endpoint:
        # Imported here: the exporter pulls in requests/protobuf, which a process without export never needs.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = settings.exporter_otlp_endpoint.rstrip("/")
        if not endpoint.endswith("/v1/traces"):
            endpoint = f"{endpoint}/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    for processor in span_processors:
        provider.add_span_processor(processor)
    return provider


def configure_tracing(
    settings: TelemetrySettings, *, service: str, span_processors: Sequence[SpanProcessor] = ()
) -> TracerProvider:
    """Build the provider, make it the global one and propagate W3C trace context.

    OpenTelemetry lets the global provider be set once per process; later calls still return a
    working provider, which callers (and tests) should pass on explicitly.
    """
    provider = build_tracer_provider(settings, service=service, span_processors=span_processors)
    trace.set_tracer_provider(provider)
    propagate.set_global_textmap(
        CompositePropagator([TraceContextTextMapPropagator(), W3CBaggagePropagator()])
    )
    return provider


def instrument_sqlalchemy(
    engine: AsyncEngine, *, tracer_provider: trace.TracerProvider | None = None
) -> None:
    """Emit a span per statement run on ``engine``.

    Uses the per-engine tracer rather than ``SQLAlchemyInstrumentor().instrument()``, which patches
    ``create_engine`` process-wide and can only be applied once.
    """
    tracer = trace.get_tracer(_INSTRUMENTATION_NAME, tracer_provider=tracer_provider)
    connections = metrics.get_meter(_INSTRUMENTATION_NAME).create_up_down_counter(
        name="db.client.connections.usage", unit="connections", description="Connections in use or idle."
    )
    EngineTracer(tracer, engine.sync_engine, connections)  # type: ignore[no-untyped-call]


def instrument_redis(client: Redis, *, tracer_provider: trace.TracerProvider | None = None) -> None:
    """Emit a span per command sent by ``client``."""
    RedisInstrumentor.instrument_client(client, tracer_provider=tracer_provider)
