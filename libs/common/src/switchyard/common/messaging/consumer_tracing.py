"""The consumer's span: one per batch, continuing the producer's trace.

FastStream's telemetry middleware starts a new trace for every batch, so the subscriber
makes its own span instead: a single record's span is a child of the span that produced it
(the request that wrote the outbox row), and a batch's span links the producers' spans (of
its first records), as the OpenTelemetry messaging conventions prescribe for batches.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from opentelemetry import propagate, trace
from opentelemetry.trace import Link, Span, SpanKind, Tracer
from opentelemetry.util.types import AttributeValue

from switchyard.common.messaging.dead_letter_publisher import Record

_MAX_LINKS = 16


@contextmanager
def consume_span(tracer: Tracer, records: Sequence[Record], *, consumer: str) -> Iterator[Span]:
    """A CONSUMER span named ``<topic> process``, current while the batch is applied."""
    parent = propagate.extract(_headers(records[0])) if len(records) == 1 else None
    links = []
    if parent is None:
        # Extracting every record's context costs more than applying a bulk batch; a sample suffices.
        for record in records[:_MAX_LINKS]:
            context = propagate.extract(_headers(record))
            span_context = trace.get_current_span(context).get_span_context()
            if span_context.is_valid:
                links.append(Link(span_context))
    attributes: dict[str, AttributeValue] = {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.destination.name": records[0].topic,
        "messaging.consumer.group.name": consumer,
        "messaging.batch.message_count": len(records),
    }
    with tracer.start_as_current_span(
        f"{records[0].topic} process",
        context=parent,
        kind=SpanKind.CONSUMER,
        links=links,
        attributes=attributes,
    ) as span:
        yield span


def _headers(record: Record) -> dict[str, str]:
    return {name: value.decode(errors="replace") for name, value in record.headers}
