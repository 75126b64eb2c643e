"""Messaging metrics, in prometheus_client's default registry, labelled by service."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

OUTBOX_BACKLOG = Gauge(
    "switchyard_outbox_backlog",
    "Outbox rows written but not yet acknowledged by Kafka (the span of their ids: at least the count).",
    ["service"],
)
OUTBOX_RELAYED = Counter(
    "switchyard_outbox_relayed_events",
    "Outbox events published to Kafka and deleted from the outbox.",
    ["service"],
)
OUTBOX_RELAY_FAILURES = Counter(
    "switchyard_outbox_relay_failures",
    "Relay pauses after a Kafka or database failure; unsent rows stay for the retry.",
    ["service"],
)
EVENTS_CONSUMED = Counter(
    "switchyard_events_consumed",
    "Events taken from Kafka by an idempotent consumer, by outcome.",
    ["service", "consumer", "outcome"],
)
EVENTS_DEAD_LETTERED = Counter(
    "switchyard_events_dead_lettered",
    "Events moved to the service's dead-letter topic.",
    ["service", "consumer", "topic"],
)
CONSUMER_LAG = Gauge(
    "switchyard_consumer_lag",
    "Records between a consumer's position and the partition's high watermark.",
    ["service", "consumer", "topic", "partition"],
)
CONSUMED_BATCH_SIZE = Histogram(
    "switchyard_consumed_batch_size",
    "Records a consumer applied together (in one transaction).",
    ["service", "consumer"],
    buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2000, 4000),
)
