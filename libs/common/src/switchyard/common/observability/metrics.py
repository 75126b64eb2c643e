"""Prometheus metrics in the default registry, declared once per process."""

from __future__ import annotations

from collections.abc import Sequence
from threading import Lock
from typing import Any
from weakref import WeakKeyDictionary

from prometheus_client import REGISTRY, CollectorRegistry, Histogram
from prometheus_client.metrics import MetricWrapperBase

_declared: WeakKeyDictionary[CollectorRegistry, dict[str, MetricWrapperBase]] = WeakKeyDictionary()
_lock = Lock()

# Seconds; spans fast cached reads to slow imports without an unbounded number of series.
HTTP_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def declare_metric[M: MetricWrapperBase](
    kind: type[M],
    name: str,
    documentation: str,
    labelnames: Sequence[str] = (),
    *,
    registry: CollectorRegistry = REGISTRY,
    **kwargs: Any,
) -> M:
    """Return the metric ``name``, creating it on first use.

    Building an app twice in one process (as tests do) would otherwise raise prometheus_client's
    "Duplicated timeseries" error.
    """
    with _lock:
        declared = _declared.setdefault(registry, {})
        existing = declared.get(name)
        if existing is None:
            existing = kind(name, documentation, labelnames=tuple(labelnames), registry=registry, **kwargs)
            declared[name] = existing
    if not isinstance(existing, kind):
        raise TypeError(f"metric {name!r} is already declared as {type(existing).__name__}")
    return existing


def http_request_duration() -> Histogram:
    """HTTP server latency by service, method, route template and status code."""
    return declare_metric(
        Histogram,
        "http_server_request_duration_seconds",
        "Time from receiving an HTTP request to finishing its response.",
        ("service", "method", "route", "status"),
        buckets=HTTP_LATENCY_BUCKETS,
    )
