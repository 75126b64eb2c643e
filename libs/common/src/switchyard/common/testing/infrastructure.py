"""Where the tests' PostgreSQL, Kafka and Redis are.

Resolution order, first match wins:

1. ``SWITCHYARD_TEST_DATABASE_URL`` (superuser URL of a server where tests may create
   databases), ``SWITCHYARD_TEST_KAFKA`` (bootstrap servers), ``SWITCHYARD_TEST_REDIS_URL``;
   each variable set overrides what the next sources would give (``make test`` sets all three);
2. containers started with testcontainers, when a Docker engine answers and the package is
   installed (see :mod:`switchyard.common.testing.containers`);
3. the local stack of ``make up``: ``stack.json`` and ``secrets.env`` in ``SWITCHYARD_STACK_DIR``
   (default ``<repo>/.stack``).

Whatever is chosen must answer on its ports; otherwise :class:`InfrastructureUnavailable`
says which part is down and how to start it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import make_url

ENV_DATABASE_URL = "SWITCHYARD_TEST_DATABASE_URL"
ENV_KAFKA = "SWITCHYARD_TEST_KAFKA"
ENV_REDIS_URL = "SWITCHYARD_TEST_REDIS_URL"
ENV_STACK_DIR = "SWITCHYARD_STACK_DIR"
# libs/common/src/switchyard/common/testing/ -> the repository root.
_CHECKOUT = Path(__file__).resolve().parents[6]

STACK_HOST = "127.0.0.1"
STACK_SUPERUSER = "postgres"
# As under `make test`: tests get their own Redis database, never the services' db 0.
STACK_TEST_REDIS_DB = 1
_PROBE_TIMEOUT_S = 2.0


class InfrastructureUnavailable(Exception):
    """No usable PostgreSQL/Kafka/Redis; the message says what to start."""


@dataclass(frozen=True)
class Infrastructure:
    database_url: str
    kafka_bootstrap: str
    redis_url: str
    source: str

    def endpoints(self) -> dict[str, tuple[str, int]]:
        """``host, port`` of each server, by name."""
        database = make_url(self.database_url)
        kafka_host, _, kafka_port = self.kafka_bootstrap.split(",")[0].strip().rpartition(":")
        redis = urlsplit(self.redis_url)
        return {
            "PostgreSQL": (database.host or "localhost", database.port or 5432),
            "Kafka": (kafka_host, int(kafka_port)),
            "Redis": (redis.hostname or "localhost", redis.port or 6379),
        }


@contextmanager
def resolve_infrastructure(
    repo_root: Path, environ: Mapping[str, str] | None = None
) -> Iterator[Infrastructure]:
    """The infrastructure to test against, reachable; containers started here stop on exit."""
    env = os.environ if environ is None else environ
    explicit = {name: env.get(name) or None for name in (ENV_DATABASE_URL, ENV_KAFKA, ENV_REDIS_URL)}
    with ExitStack() as stack:
        if all(explicit.values()):
            found = Infrastructure(
                database_url=str(explicit[ENV_DATABASE_URL]),
                kafka_bootstrap=str(explicit[ENV_KAFKA]),
                redis_url=str(explicit[ENV_REDIS_URL]),
                source="the SWITCHYARD_TEST_* variables",
            )
        else:
            found = _override(_fallback(stack, repo_root, env), explicit)
        _check_reachable(found)
        yield found


def _fallback(stack: ExitStack, repo_root: Path, env: Mapping[str, str]) -> Infrastructure:
    if docker_available(env):
        # Imported only here: testcontainers is optional and absent from the lock file.
        from switchyard.common.testing.containers import start_containers

        return start_containers(stack)
    return read_local_stack(Path(env.get(ENV_STACK_DIR) or repo_root / ".stack"))


def _override(found: Infrastructure, explicit: Mapping[str, str | None]) -> Infrastructure:
    return replace(
        found,
        database_url=explicit[ENV_DATABASE_URL] or found.database_url,
        kafka_bootstrap=explicit[ENV_KAFKA] or found.kafka_bootstrap,
        redis_url=explicit[ENV_REDIS_URL] or found.redis_url,
    )


def docker_available(environ: Mapping[str, str]) -> bool:
    """True when testcontainers is installed and a Docker engine accepts connections."""
    if importlib.util.find_spec("testcontainers") is None:
        return False
    docker_host = environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    target = urlsplit(docker_host)
    if target.scheme != "unix":
        return _answers(target.hostname or "localhost", target.port or 2375)
    with socket.socket(socket.AF_UNIX) as client:
        client.settimeout(_PROBE_TIMEOUT_S)
        try:
            client.connect(target.path)
        except OSError:
            return False
    return True


def local_stack_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``SWITCHYARD_STACK_DIR``, else the ``.stack`` folder of this checkout (editable install)."""
    env = os.environ if environ is None else environ
    return Path(env.get(ENV_STACK_DIR) or _CHECKOUT / ".stack")


def read_local_stack(stack_dir: Path) -> Infrastructure:
    """The servers of the local stack (``make up``) recorded in ``stack_dir``."""
    recorded, secrets = stack_dir / "stack.json", stack_dir / "secrets.env"
    if not recorded.is_file() or not secrets.is_file():
        raise InfrastructureUnavailable(
            f"no test infrastructure: SWITCHYARD_TEST_* are unset, no Docker engine with testcontainers, "
            f"and no local stack in {stack_dir} (stack.json and secrets.env). Run `make up`, "
            f"or set {ENV_DATABASE_URL}, {ENV_KAFKA} and {ENV_REDIS_URL}."
        )
    ports = json.loads(recorded.read_text())["ports"]
    password = read_env_file(secrets).get("POSTGRES_PASSWORD", "")
    credentials = f"{STACK_SUPERUSER}:{password}" if password else STACK_SUPERUSER
    return Infrastructure(
        database_url=f"postgresql+asyncpg://{credentials}@{STACK_HOST}:{ports['POSTGRES_PORT']}/postgres",
        kafka_bootstrap=f"{STACK_HOST}:{ports['KAFKA_PORT']}",
        redis_url=f"redis://{STACK_HOST}:{ports['REDIS_PORT']}/{STACK_TEST_REDIS_DB}",
        source=f"the local stack in {stack_dir}",
    )


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not name.lstrip().startswith("#"):
            values[name.strip()] = value.strip()
    return values


def _check_reachable(found: Infrastructure) -> None:
    down = [
        f"{name} at {host}:{port}"
        for name, (host, port) in found.endpoints().items()
        if not _answers(host, port)
    ]
    if down:
        raise InfrastructureUnavailable(
            f"test infrastructure from {found.source} does not answer: {', '.join(down)}. "
            "Start it with `make up` (or `make infra-up`), or point the SWITCHYARD_TEST_* variables "
            "at running servers."
        )


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=_PROBE_TIMEOUT_S):
            return True
    except OSError:
        return False
