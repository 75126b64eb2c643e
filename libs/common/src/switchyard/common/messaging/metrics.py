"""Messaging metrics, in prometheus_client's default registry, labelled by service."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

OUTBOX_BACKLOG = Gauge(
    "switchyard_outbox_backlog",
    "Outbox rows written but not yet acknowledged by Kafka.",
    ["service"],
)
OUTBOX_RELAYED = Counter(
    "switchyard_outbox_relayed_events",
    "Outbox rows published to Kafka and marked sent.",
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
