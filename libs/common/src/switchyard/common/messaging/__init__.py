"""Kafka mechanisms shared by the services: broker, outbox relay, idempotent consumer, dead letters."""

from switchyard.common.messaging.broker import (
    create_admin,
    create_broker,
    create_consumer,
    create_producer,
    producer_options,
)
from switchyard.common.messaging.consumer import (
    CONSUMER_RETRY,
    BatchHandler,
    EventHandler,
    IdempotentConsumer,
    Outcome,
    PermanentError,
)
from switchyard.common.messaging.dead_letter_publisher import DeadLetterPublisher
from switchyard.common.messaging.outbox_relay import OutboxRelay
from switchyard.common.messaging.retry import RetryPolicy
from switchyard.common.messaging.settings import KafkaSettings
from switchyard.common.messaging.subscription import subscribe
from switchyard.common.messaging.topics import all_topics, dead_letter_topic, ensure_topics

__all__ = [
    "CONSUMER_RETRY",
    "BatchHandler",
    "DeadLetterPublisher",
    "EventHandler",
    "IdempotentConsumer",
    "KafkaSettings",
    "OutboxRelay",
    "Outcome",
    "PermanentError",
    "RetryPolicy",
    "all_topics",
    "create_admin",
    "create_broker",
    "create_consumer",
    "create_producer",
    "dead_letter_topic",
    "ensure_topics",
    "producer_options",
    "subscribe",
]
