"""Everything a service process reads from its environment, one struct per concern."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import msgspec

from switchyard.common.db import DatabaseSettings
from switchyard.common.http import HttpSettings
from switchyard.common.messaging import KafkaSettings
from switchyard.common.observability import TelemetrySettings
from switchyard.common.settings import load_settings


class RedisSettings(msgspec.Struct, frozen=True, kw_only=True):
    """``REDIS_URL``, ``REDIS_MAX_CONNECTIONS``, ``REDIS_POOL_TIMEOUT_S``.

    Under load a request waits up to ``pool_timeout_s`` for one of ``max_connections`` connections
    rather than failing at once.
    """

    url: str
    max_connections: int = 64
    pool_timeout_s: float = 5.0


class LogSettings(msgspec.Struct, frozen=True, kw_only=True):
    """``LOG_LEVEL`` and ``LOG_JSON``."""

    level: str = "INFO"
    json: bool = True


class JwtSettings(msgspec.Struct, frozen=True, kw_only=True):
    """``JWKS_URL``, ``JWT_ISSUER``, ``JWT_AUDIENCE``; bearer checks are off until JWKS_URL is set."""

    jwks_url: str | None = None
    jwt_issuer: str = "switchyard-auth"
    jwt_audience: str = "switchyard"


class ShutdownSettings(msgspec.Struct, frozen=True, kw_only=True):
    """``SHUTDOWN_DRAIN_S``, ``SHUTDOWN_HTTP_TIMEOUT_S``, ``SHUTDOWN_WORK_TIMEOUT_S`` (docs/operations.md).

    On SIGTERM readiness fails for ``drain_s`` while requests are still served, so load balancers
    stop sending new ones; then requests in flight get ``http_timeout_s`` (uvicorn counts whole
    seconds), and the background tasks, the consumers and the outbox relay ``work_timeout_s`` each
    to finish what they hold before they are cancelled.
    """

    drain_s: Annotated[float, msgspec.Meta(ge=0)] = 5.0
    http_timeout_s: Annotated[int, msgspec.Meta(ge=1)] = 10
    work_timeout_s: Annotated[float, msgspec.Meta(gt=0)] = 5.0

    @property
    def worst_case_s(self) -> float:
        """The longest a shutdown can take when every phase runs out its time: the background tasks,
        the consumers, the relay's round and its producer's flush, in turn."""
        return self.drain_s + self.http_timeout_s + 4 * self.work_timeout_s


class PruningSettings(msgspec.Struct, frozen=True, kw_only=True):
    """``PROCESSED_EVENTS_RETENTION_DAYS``, ``PRUNE_INTERVAL_S``, ``PRUNE_BATCH`` (common.db.pruning).

    Rows that serve nothing any more are deleted every ``prune_interval_s``, ``prune_batch`` a
    transaction. A consumer's record of an event it applied is kept ``processed_events_retention_days``:
    longer than a copy of the event can come again, which is as long as it can stay in its topic
    (7 days' retention, plus a day until its segment rolls), then in a dead-letter topic (30 + 1),
    then in its topic again after a replay (7 + 1): 47 days with deploy/k8s's Kafka settings.
    docs/operations.md, "Pruning".
    """

    processed_events_retention_days: Annotated[float, msgspec.Meta(ge=1)] = 50.0
    prune_interval_s: Annotated[float, msgspec.Meta(gt=0)] = 3600.0
    prune_batch: Annotated[int, msgspec.Meta(ge=1)] = 10_000


class ServiceSettings(msgspec.Struct, frozen=True, kw_only=True):
    database: DatabaseSettings
    kafka: KafkaSettings
    redis: RedisSettings
    http: HttpSettings
    telemetry: TelemetrySettings
    log: LogSettings
    jwt: JwtSettings
    shutdown: ShutdownSettings = msgspec.field(default_factory=ShutdownSettings)
    pruning: PruningSettings = msgspec.field(default_factory=PruningSettings)


def load_service_settings(environ: Mapping[str, str] | None = None) -> ServiceSettings:
    """Read the settings every service shares; a bad one raises SettingsError naming it."""
    return ServiceSettings(
        database=load_settings(DatabaseSettings, prefix="DATABASE_", environ=environ),
        kafka=load_settings(KafkaSettings, prefix="KAFKA_", environ=environ),
        redis=load_settings(RedisSettings, prefix="REDIS_", environ=environ),
        http=load_settings(HttpSettings, prefix="HTTP_", environ=environ),
        telemetry=load_settings(TelemetrySettings, prefix="OTEL_", environ=environ),
        log=load_settings(LogSettings, prefix="LOG_", environ=environ),
        jwt=load_settings(JwtSettings, environ=environ),
        shutdown=load_settings(ShutdownSettings, prefix="SHUTDOWN_", environ=environ),
        pruning=load_settings(PruningSettings, environ=environ),
    )
