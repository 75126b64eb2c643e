"""The FastStream Kafka broker and the raw clients (producer, admin, consumer), all with the
cluster's security; the producers durable by configuration.

aiokafka defaults to ``acks=1`` without idempotence: a leader crash can lose an
acknowledged record and a retry can duplicate one. Every producer here waits for all
in-sync replicas and is idempotent, which also keeps per-partition order across retries.
"""

from __future__ import annotations

import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from fast_depends.msgspec import MsgSpecSerializer
from faststream.kafka import KafkaBroker

from switchyard.common.messaging.partitioner import key_partitioner
from switchyard.common.messaging.settings import KafkaSettings


def producer_options(settings: KafkaSettings) -> dict[str, Any]:
    """Producer keyword arguments shared by the broker, the outbox relay and the tools."""
    return {
        "acks": "all",
        "enable_idempotence": True,
        "request_timeout_ms": settings.request_timeout_ms,
        "max_batch_size": settings.max_batch_size,
        "linger_ms": settings.linger_ms,
        "partitioner": key_partitioner,
    }


def create_producer(settings: KafkaSettings, *, client_id: str) -> AIOKafkaProducer:
    """An unstarted aiokafka producer with the durable options and the cluster's security."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.servers,
        client_id=client_id,
        **producer_options(settings),
        **settings.client_options(),
    )


def create_admin(settings: KafkaSettings, *, client_id: str, **options: Any) -> AIOKafkaAdminClient:
    """An unstarted aiokafka admin client of the cluster, with its security."""
    return AIOKafkaAdminClient(
        bootstrap_servers=settings.servers, client_id=client_id, **options, **settings.client_options()
    )


def create_consumer(settings: KafkaSettings, *topics: str, **options: Any) -> AIOKafkaConsumer:
    """An unstarted aiokafka consumer of the cluster (outside FastStream: readers, tools), with its
    security."""
    return AIOKafkaConsumer(
        *topics, bootstrap_servers=settings.servers, **options, **settings.client_options()
    )


def create_broker(
    settings: KafkaSettings,
    *,
    service: str,
    graceful_timeout: float = 15.0,
) -> KafkaBroker:
    """The service's broker: durable producer, msgspec bodies, the cluster's security (TLS, SASL).

    No FastStream telemetry middleware: it would start a new trace per consumed batch, so the
    subscribers make their own spans (see ``consumer_tracing``) and the relay carries trace
    context in the outbox rows' headers.

    Topics are never auto-created by the broker (they would get one partition); run
    ``python -m switchyard.common.messaging.topics`` or :func:`ensure_topics` instead.
    On stop each subscriber reads no more, finishes the batch in hand (the handler commits its
    offsets once its transaction committed) and leaves its group, so the partitions move to another
    member at once rather than after the session timeout; a batch read but not yet handed over is
    dropped uncommitted and delivered again to the next owner. A handler still busy after
    ``graceful_timeout`` seconds is cancelled: its transaction rolls back, or, if it had committed,
    the redelivered events find their processed-events records and change nothing.
    """
    return KafkaBroker(
        settings.servers,
        client_id=settings.client_id or service,
        allow_auto_create_topics=False,
        graceful_timeout=graceful_timeout,
        # A plain stdlib logger, so its lines go through the process's structlog JSON chain
        # instead of FastStream's own coloured console handler.
        logger=logging.getLogger("faststream"),
        serializer=MsgSpecSerializer(),
        security=settings.security(),
        **producer_options(settings),
    )
