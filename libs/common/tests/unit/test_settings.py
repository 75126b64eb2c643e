"""Settings come from the environment; a bad one names its variable."""

from __future__ import annotations

import io

import msgspec
import pytest

from switchyard.common.runtime import load_service_settings
from switchyard.common.runtime.settings import PruningSettings
from switchyard.common.settings import SettingsError, exit_on_settings_error, load_settings


class Example(msgspec.Struct, frozen=True, kw_only=True):
    url: str
    port: int = 5
    debug: bool = False
    hosts: list[str] = []
    ratio: float = 1.0


def test_values_are_converted_to_their_field_types() -> None:
    environ = {"X_URL": "db", "X_PORT": "7", "X_DEBUG": "true", "X_HOSTS": "a, b,", "X_RATIO": "0.5"}
    assert load_settings(Example, prefix="X_", environ=environ) == Example(
        url="db", port=7, debug=True, hosts=["a", "b"], ratio=0.5
    )


def test_unset_and_empty_variables_take_the_default() -> None:
    assert load_settings(Example, prefix="X_", environ={"X_URL": "db", "X_PORT": ""}).port == 5


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "X_URL: is required but not set"),
        ({"X_URL": "db", "X_PORT": "abc"}, "X_PORT: invalid value 'abc' (Expected `int`, got `str`)"),
        ({"X_URL": "db", "X_DEBUG": "maybe"}, "X_DEBUG: invalid value 'maybe' (Expected `bool`, got `str`)"),
    ],
)
def test_a_bad_variable_is_named(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(Example, prefix="X_", environ=environ)
    assert str(caught.value) == message


def test_exit_on_settings_error_writes_one_line_and_exits_2() -> None:
    out = io.StringIO()
    with pytest.raises(SystemExit) as caught, exit_on_settings_error("svc", write=out.write):
        load_settings(Example, prefix="X_", environ={"X_URL": "db", "X_PORT": "x"})
    assert caught.value.code == 2
    assert out.getvalue() == "svc: bad setting X_PORT: invalid value 'x' (Expected `int`, got `str`)\n"


def test_service_settings_read_every_concern() -> None:
    settings = load_service_settings(
        {
            "DATABASE_URL": "postgresql+asyncpg://u@h/db",
            "KAFKA_BOOTSTRAP_SERVERS": "k:9092",
            "REDIS_URL": "redis://r/0",
            "HTTP_PORT": "9000",
            "JWKS_URL": "http://auth/.well-known/jwks.json",
            "LOG_LEVEL": "DEBUG",
        }
    )
    assert (settings.http.port, settings.kafka.bootstrap_servers, settings.redis.url) == (
        9000,
        "k:9092",
        "redis://r/0",
    )
    assert (settings.jwt.jwks_url, settings.jwt.jwt_issuer, settings.log.level) == (
        "http://auth/.well-known/jwks.json",
        "switchyard-auth",
        "DEBUG",
    )
    assert settings.telemetry.exporter_otlp_endpoint is None


_SERVICE_ENVIRON = {
    "DATABASE_URL": "postgresql+asyncpg://u@h/db",
    "KAFKA_BOOTSTRAP_SERVERS": "k:9092",
    "REDIS_URL": "redis://r/0",
}


def test_pruning_settings_are_read_and_have_defaults() -> None:
    assert load_service_settings(_SERVICE_ENVIRON).pruning == PruningSettings(
        processed_events_retention_days=50.0, prune_interval_s=3600.0, prune_batch=10_000
    )
    settings = load_service_settings(
        {
            **_SERVICE_ENVIRON,
            "PROCESSED_EVENTS_RETENTION_DAYS": "60",
            "PRUNE_INTERVAL_S": "600",
            "PRUNE_BATCH": "500",
        }
    )
    assert settings.pruning == PruningSettings(
        processed_events_retention_days=60.0, prune_interval_s=600.0, prune_batch=500
    )


def test_a_processed_events_retention_under_a_day_is_refused() -> None:
    with pytest.raises(SettingsError) as caught:
        load_service_settings({**_SERVICE_ENVIRON, "PROCESSED_EVENTS_RETENTION_DAYS": "0"})
    assert str(caught.value).startswith("PROCESSED_EVENTS_RETENTION_DAYS: invalid value '0'")
