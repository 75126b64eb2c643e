"""Kafka connection settings (``KAFKA_*`` environment variables)."""

from __future__ import annotations

import msgspec


class KafkaSettings(msgspec.Struct, frozen=True, kw_only=True):
    """How a process reaches Kafka.

    ``topic_prefix`` namespaces every topic this process touches (catalog and dead-letter
    topics alike), so tests and parallel stacks can share one broker.
    """

    bootstrap_servers: str
    client_id: str | None = None
    topic_prefix: str = ""
    request_timeout_ms: int = 30_000
    # Larger per-partition batches and a short linger let the relay's bursts share requests.
    max_batch_size: int = 262_144
    linger_ms: int = 5
    # Most records a subscriber applies in one transaction.
    consume_batch_size: int = 500

    @property
    def servers(self) -> list[str]:
        """``bootstrap_servers`` split on commas."""
        return [s.strip() for s in self.bootstrap_servers.split(",") if s.strip()]

    def topic(self, name: str) -> str:
        """The real name of topic ``name`` under this process's prefix."""
        return f"{self.topic_prefix}{name}"
