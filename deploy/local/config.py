"""Resolved settings of the local stack: paths, ports and pass-through settings."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

SERVICES = ("auth", "users", "notifications", "ingest")
# Gateway route prefix per service (ingest is exposed as "imports").
ROUTES = {"auth": "auth", "users": "users", "notifications": "notifications", "ingest": "imports"}

DEFAULT_PORTS: dict[str, int] = {
    "GATEWAY_PORT": 8080,
    "AUTH_PORT": 8101,
    "USERS_PORT": 8102,
    "NOTIFICATIONS_PORT": 8103,
    "INGEST_PORT": 8104,
    "POSTGRES_PORT": 15432,
    "REDIS_PORT": 16379,
    "KAFKA_PORT": 19092,
    "KAFKA_CONTROLLER_PORT": 19093,
    "SMTP_PORT": 1025,
}

# Settings taken from the caller's environment and handed to the services unchanged (the stack's
# ports excepted: AUTH_PORT is where auth listens, not an auth setting).
# AUTH_* reach the auth service only, NOTIFICATIONS_* notifications only, INGEST_* ingest only
# (see services.service_env).
PASSTHROUGH_PREFIXES = ("OTEL_", "AUTH_", "NOTIFICATIONS_", "INGEST_")
# SMTP_PORT is a stack port (the local mail sink listens on it) and is read like the other ports.
PASSTHROUGH_NAMES = ("LOG_LEVEL", "SMTP_HOST")

# The production-like value of every setting of the template (docs/gateway.md explains each);
# docker-compose.yml's gateway environment repeats them. The local stack replaces some
# (LOCAL_GATEWAY_SETTINGS).
GATEWAY_DEFAULTS: dict[str, str] = {
    "GATEWAY_ALLOWED_HOSTS": "localhost 127.0.0.1",
    "GATEWAY_CORS_ALLOWED_ORIGINS": "",
    "GATEWAY_CORS_MAX_AGE": "600",
    "GATEWAY_API_RATE": "20r/s",
    "GATEWAY_API_BURST": "40",
    "GATEWAY_API_RETRY_AFTER": "1",
    "GATEWAY_AUTH_RATE": "10r/m",
    "GATEWAY_AUTH_BURST": "10",
    "GATEWAY_AUTH_RETRY_AFTER": "6",
    # No one: 0.0.0.0 is never the source of a connection.
    "GATEWAY_REAL_IP_FROM": "0.0.0.0/32",
    "GATEWAY_HSTS": "",
    "GATEWAY_GZIP_MIN_LENGTH": "1024",
    "GATEWAY_UPSTREAM_READ_TIMEOUT": "300s",
}

# The local gateway's differences from those (docs/gateway.md): limits far above production's,
# because the whole test suite goes through this gateway from 127.0.0.1 (hundreds of sign-ins a
# minute, bulk imports, load runs); the limits themselves are tested on private gateways with low
# ones. Any GATEWAY_* variable in the caller's environment wins over both, e.g.
# GATEWAY_CORS_ALLOWED_ORIGINS=http://localhost:5173 make up.
LOCAL_GATEWAY_SETTINGS: dict[str, str] = {
    "GATEWAY_API_RATE": "10000r/s",
    "GATEWAY_API_BURST": "10000",
    "GATEWAY_AUTH_RATE": "1000r/s",
    "GATEWAY_AUTH_BURST": "1000",
}

HOST = "127.0.0.1"
DEFAULT_ADMIN_EMAIL = "admin@switchyard.local"
REPO_ROOT = Path(__file__).resolve().parents[2]


class StackError(RuntimeError):
    """A step of the stack failed; the message says what and what to do."""


@dataclass(frozen=True)
class StackPaths:
    """Every file the stack writes lives under one folder."""

    repo: Path
    stack: Path

    @property
    def data(self) -> Path:
        return self.stack / "data"

    @property
    def logs(self) -> Path:
        return self.stack / "logs"

    @property
    def run(self) -> Path:
        return self.stack / "run"

    @property
    def config(self) -> Path:
        return self.stack / "config"

    @property
    def cache(self) -> Path:
        return self.stack / "cache"

    @property
    def tools(self) -> Path:
        return self.stack / "tools"

    @property
    def mail(self) -> Path:
        return self.stack / "mail"

    @property
    def secrets_file(self) -> Path:
        return self.stack / "secrets.env"

    @property
    def recorded_file(self) -> Path:
        return self.stack / "stack.json"

    @property
    def venv_python(self) -> Path:
        return self.repo / ".venv" / "bin" / "python"

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def make_dirs(self) -> None:
        for path in (self.stack, self.data, self.logs, self.run, self.config, self.cache):
            path.mkdir(parents=True, exist_ok=True)
        ignore = self.stack / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n")


@dataclass(frozen=True)
class StackConfig:
    """Everything a command needs to know, resolved once from env, recorded state and defaults."""

    paths: StackPaths
    ports: Mapping[str, int]
    passthrough: Mapping[str, str] = field(default_factory=dict)
    host: str = HOST
    gateway_settings: Mapping[str, str] = field(default_factory=lambda: dict(LOCAL_GATEWAY_SETTINGS))

    def port(self, name: str) -> int:
        return self.ports[name]

    def service_port(self, service: str) -> int:
        return self.ports[f"{service.upper()}_PORT"]

    @property
    def external_smtp(self) -> bool:
        """An SMTP_HOST given by the caller replaces the stack's own mail sink."""
        return "SMTP_HOST" in self.passthrough

    @property
    def gateway_url(self) -> str:
        return f"http://{self.host}:{self.port('GATEWAY_PORT')}"

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.host}:{self.port('KAFKA_PORT')}"

    def redis_url(self, db: int = 0) -> str:
        return f"redis://{self.host}:{self.port('REDIS_PORT')}/{db}"

    def record(self) -> None:
        """Remember the ports so later commands without the env vars find the same stack."""
        self.paths.recorded_file.write_text(json.dumps({"ports": dict(self.ports)}, indent=2) + "\n")


def _recorded_ports(paths: StackPaths) -> dict[str, int]:
    try:
        data = json.loads(paths.recorded_file.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise StackError(f"{paths.recorded_file} is unreadable ({exc}); delete it and retry") from exc
    ports = data.get("ports", {})
    return {k: int(v) for k, v in ports.items() if k in DEFAULT_PORTS}


def _port_from_env(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise StackError(f"{name}={raw!r} is not a TCP port number")
    return int(raw)


def stack_dir(env: Mapping[str, str]) -> Path:
    raw = env.get("STACK_DIR")
    return Path(raw).resolve() if raw else REPO_ROOT / ".stack"


def load_config(env: Mapping[str, str] | None = None) -> StackConfig:
    """Ports: the caller's env wins, then the ports recorded by the last `up`, then defaults."""
    env = os.environ if env is None else env
    paths = StackPaths(repo=REPO_ROOT, stack=stack_dir(env))
    ports = dict(DEFAULT_PORTS)
    ports.update(_recorded_ports(paths))
    for name in DEFAULT_PORTS:
        value = _port_from_env(env, name)
        if value is not None:
            ports[name] = value
    clashes = {p for p in ports.values() if list(ports.values()).count(p) > 1}
    if clashes:
        raise StackError(f"two stack ports share the same number: {sorted(clashes)}")
    passthrough = {
        k: v
        for k, v in env.items()
        if v != ""
        and k not in DEFAULT_PORTS
        and (k in PASSTHROUGH_NAMES or k.startswith(PASSTHROUGH_PREFIXES))
    }
    chosen = {name: env[name] for name in GATEWAY_DEFAULTS if env.get(name)}
    gateway_settings = {**LOCAL_GATEWAY_SETTINGS, **chosen}
    return StackConfig(paths=paths, ports=ports, passthrough=passthrough, gateway_settings=gateway_settings)
