"""The parts of the stack, in start order, with how to prepare, start and probe each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from . import gateway, kafka, mailsink, pg, probes, redisd, services
from .config import SERVICES, StackConfig
from .credentials import Credentials
from .procs import ProcessSpec
from .provision import postgres_bin

Kind = Literal["infra", "service", "gateway"]

# Every name a pid file can carry, in start order; `down` stops them in reverse.
ALL_NAMES = ("postgres", "redis", "kafka", "smtp", *SERVICES, "gateway")


def _noop(config: StackConfig, creds: Credentials) -> None:
    return None


@dataclass(frozen=True)
class Component:
    name: str
    kind: Kind
    port_keys: tuple[str, ...]
    spec: Callable[[StackConfig, Credentials], ProcessSpec]
    probe: Callable[[StackConfig], probes.Probe]
    prepare: Callable[[StackConfig, Credentials], None] = _noop
    ready_timeout: float = 60.0


def _service(name: str) -> Component:
    return Component(
        name=name,
        kind="service",
        port_keys=(f"{name.upper()}_PORT",),
        spec=lambda c, k: services.spec(c, k, name),
        probe=lambda c: probes.http_ok(services.ready_url(c, name)),
        ready_timeout=120.0,
    )


def components(config: StackConfig) -> list[Component]:
    host = config.host
    parts = [
        Component(
            name=pg.NAME,
            kind="infra",
            port_keys=("POSTGRES_PORT",),
            spec=lambda c, k: pg.spec(c),
            probe=lambda c: probes.postgres_ready(
                str(postgres_bin() / "pg_isready"), host, c.port("POSTGRES_PORT")
            ),
            prepare=pg.prepare,
        ),
        Component(
            name=redisd.NAME,
            kind="infra",
            port_keys=("REDIS_PORT",),
            spec=lambda c, k: redisd.spec(c),
            probe=lambda c: probes.redis_ping(host, c.port("REDIS_PORT")),
            ready_timeout=20.0,
        ),
        Component(
            name=kafka.NAME,
            kind="infra",
            port_keys=("KAFKA_PORT", "KAFKA_CONTROLLER_PORT"),
            spec=lambda c, k: kafka.spec(c),
            probe=lambda c: probes.kafka_api_versions(host, c.port("KAFKA_PORT")),
            prepare=lambda c, k: kafka.prepare(c),
            ready_timeout=120.0,
        ),
    ]
    if not config.external_smtp:
        parts.append(
            Component(
                name=mailsink.NAME,
                kind="infra",
                port_keys=("SMTP_PORT",),
                spec=lambda c, k: mailsink.spec(c),
                probe=lambda c: probes.smtp_banner(host, c.port("SMTP_PORT")),
                ready_timeout=20.0,
            )
        )
    parts.extend(_service(name) for name in SERVICES)
    parts.append(
        Component(
            name=gateway.NAME,
            kind="gateway",
            port_keys=("GATEWAY_PORT",),
            spec=lambda c, k: gateway.spec(c),
            probe=lambda c: probes.http_ok(f"{c.gateway_url}/health"),
            prepare=lambda c, k: gateway.prepare(c),
            ready_timeout=20.0,
        )
    )
    return parts
