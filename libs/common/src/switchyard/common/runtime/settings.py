"""Everything a service process reads from its environment, one struct per concern."""

from __future__ import annotations

from collections.abc import Mapping

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


class ServiceSettings(msgspec.Struct, frozen=True, kw_only=True):
    database: DatabaseSettings
    kafka: KafkaSettings
    redis: RedisSettings
    http: HttpSettings
    telemetry: TelemetrySettings
    log: LogSettings
    jwt: JwtSettings


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
    )
