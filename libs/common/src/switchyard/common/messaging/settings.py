"""Kafka connection settings (``KAFKA_*`` environment variables)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

import msgspec
from aiokafka.helpers import create_ssl_context
from faststream.kafka.security import parse_security
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from switchyard.common.settings import load_settings, redacted_repr

type SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
type SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]

_SASL: dict[str, type[SASLPlaintext] | type[SASLScram256] | type[SASLScram512]] = {
    "PLAIN": SASLPlaintext,
    "SCRAM-SHA-256": SASLScram256,
    "SCRAM-SHA-512": SASLScram512,
}


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
    consume_batch_size: int = 4000
    # How to reach a secured cluster (Strimzi's TLS listener with SCRAM users, say). PLAINTEXT is
    # the local stack's; SSL/SASL_SSL verify the brokers against ssl_cafile (else the system's CAs).
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism | None = None
    sasl_username: str | None = None
    sasl_password: str | None = None
    ssl_cafile: str | None = None

    def __post_init__(self) -> None:
        sasl = {
            "sasl_mechanism": self.sasl_mechanism,
            "sasl_username": self.sasl_username,
            "sasl_password": self.sasl_password,
        }
        if self.security_protocol.startswith("SASL_"):
            if missing := [name for name, value in sasl.items() if not value]:
                raise ValueError(
                    f"security_protocol {self.security_protocol} needs sasl_mechanism, sasl_username "
                    f"and sasl_password; missing: {', '.join(missing)}"
                )
        elif given := [name for name, value in sasl.items() if value]:
            raise ValueError(
                f"{', '.join(given)} given, but security_protocol {self.security_protocol} uses no SASL "
                "(SASL_SSL or SASL_PLAINTEXT do)"
            )
        if self.ssl_cafile and not self.security_protocol.endswith("SSL"):
            raise ValueError(
                f"ssl_cafile given, but security_protocol {self.security_protocol} uses no TLS "
                "(SSL or SASL_SSL do)"
            )

    def __repr__(self) -> str:
        return redacted_repr(self, ("sasl_password",))

    def security(self) -> BaseSecurity | None:
        """The FastStream form of the connection's security (the broker takes it, and its AsyncAPI
        document shows it); None for PLAINTEXT."""
        if self.security_protocol == "PLAINTEXT":
            return None
        tls = create_ssl_context(cafile=self.ssl_cafile) if self.security_protocol.endswith("SSL") else None
        if self.security_protocol == "SSL":
            return BaseSecurity(ssl_context=tls, use_ssl=True)
        mechanism = _SASL[self.sasl_mechanism or "PLAIN"]  # __post_init__ made sure all three are set
        return mechanism(
            self.sasl_username or "", self.sasl_password or "", ssl_context=tls, use_ssl=tls is not None
        )

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for any aiokafka client (producer, consumer, admin) of this cluster."""
        return parse_security(self.security())

    @property
    def servers(self) -> list[str]:
        """``bootstrap_servers`` split on commas."""
        return [s.strip() for s in self.bootstrap_servers.split(",") if s.strip()]

    def topic(self, name: str) -> str:
        """The real name of topic ``name`` under this process's prefix."""
        return f"{self.topic_prefix}{name}"


def load_kafka_settings(
    *,
    bootstrap_servers: str | None = None,
    topic_prefix: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> KafkaSettings:
    """``KAFKA_*`` from the environment, security included, under a command line's servers and prefix.

    Raises :class:`~switchyard.common.settings.SettingsError` naming the variable.
    """
    env = dict(os.environ if environ is None else environ)
    if bootstrap_servers:
        env["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap_servers
    if topic_prefix is not None:
        env["KAFKA_TOPIC_PREFIX"] = topic_prefix
    return load_settings(KafkaSettings, prefix="KAFKA_", environ=env)
