"""Declaring Prometheus metrics idempotently."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from switchyard.common.observability.metrics import declare_metric, http_request_duration


def test_declaring_twice_returns_the_same_metric() -> None:
    registry = CollectorRegistry()

    first = declare_metric(
        Counter, "outbox_published", "Published outbox rows.", ["topic"], registry=registry
    )
    second = declare_metric(
        Counter, "outbox_published", "Published outbox rows.", ["topic"], registry=registry
    )
    first.labels("t").inc()

    assert first is second
    assert b'outbox_published_total{topic="t"} 1.0' in generate_latest(registry)


def test_same_name_in_another_registry_is_another_metric() -> None:
    first = declare_metric(Gauge, "lag", "Lag.", registry=CollectorRegistry())
    second = declare_metric(Gauge, "lag", "Lag.", registry=CollectorRegistry())

    assert first is not second


def test_redeclaring_with_another_kind_fails() -> None:
    registry = CollectorRegistry()
    declare_metric(Gauge, "backlog", "Backlog.", registry=registry)

    with pytest.raises(TypeError, match="already declared as Gauge"):
        declare_metric(Counter, "backlog", "Backlog.", registry=registry)


def test_http_histogram_labels() -> None:
    histogram = http_request_duration()

    assert isinstance(histogram, Histogram)
    assert histogram is http_request_duration()
    assert histogram._labelnames == ("service", "method", "route", "status")
