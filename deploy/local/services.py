"""The four Switchyard services, each its own `python -m switchyard.<name>` process."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence

from .config import ROUTES, StackConfig, StackError
from .credentials import SIGNING_PASSPHRASE_KEY, TOTP_KEY, Credentials, admin_login
from .pg import service_url
from .procs import ProcessSpec

# Settings prefixes only one service reads.
OWN_PREFIXES = {"auth": "AUTH_", "notifications": "NOTIFICATIONS_", "ingest": "INGEST_"}


def missing_modules(config: StackConfig, services: Sequence[str]) -> list[str]:
    """Names of services whose `switchyard.<name>.__main__` cannot be imported from the venv."""
    check = (
        "import importlib.util, sys\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n"
        "        found = importlib.util.find_spec(f'switchyard.{name}.__main__')\n"
        "    except ImportError:\n"
        "        found = None\n"
        "    if found is None:\n"
        "        print(name)\n"
    )
    python = config.paths.venv_python
    if not python.exists():
        raise StackError(f"{python} is missing; run `make provision`")
    result = subprocess.run(
        [str(python), "-c", check, *services],
        capture_output=True,
        text=True,
        check=False,
        cwd=config.paths.repo,
    )
    if result.returncode != 0:
        raise StackError(f"cannot inspect the venv: {result.stderr.strip()}")
    return result.stdout.split()


def service_env(config: StackConfig, creds: Credentials, service: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(config.passthrough)
    env.update(
        {
            "PYTHONUNBUFFERED": "1",
            "HTTP_HOST": config.host,
            "HTTP_PORT": str(config.service_port(service)),
            "DATABASE_URL": service_url(config, creds, service),
            "KAFKA_BOOTSTRAP_SERVERS": config.kafka_bootstrap,
            "REDIS_URL": config.redis_url(0),
            "JWKS_URL": f"http://{config.host}:{config.service_port('auth')}/.well-known/jwks.json",
            "LOG_LEVEL": config.passthrough.get("LOG_LEVEL", "INFO"),
        }
    )
    # Nothing load-balances in front of a laptop's services, so `make down` need not wait for a
    # drain (docs/operations.md); the rest of the graceful shutdown still happens.
    env.setdefault("SHUTDOWN_DRAIN_S", "0")
    # AUTH_* (the admin login among them) are auth's alone, NOTIFICATIONS_* notifications'; the
    # others never see them.
    for key in [k for k in env if k.startswith(tuple(OWN_PREFIXES.values()))]:
        del env[key]
    own = OWN_PREFIXES.get(service)
    if own is not None:
        env.update({k: v for k, v in config.passthrough.items() if k.startswith(own)})
    if service == "notifications":
        env["SMTP_HOST"] = config.passthrough.get("SMTP_HOST", config.host)
        env["SMTP_PORT"] = str(config.port("SMTP_PORT"))
        # Links in emails lead to the gateway, unless the caller named another public address.
        env.setdefault("NOTIFICATIONS_PUBLIC_URL", config.gateway_url)
    if service == "ingest":
        # Uploads survive a restart of ingest (an import resumes from its file).
        env.setdefault("INGEST_STORAGE_DIR", str(config.paths.data / "ingest"))
    if service == "auth":
        env["AUTH_BOOTSTRAP_ADMIN_EMAIL"], env["AUTH_BOOTSTRAP_ADMIN_PASSWORD"] = admin_login(config, creds)
        for key in (TOTP_KEY, SIGNING_PASSPHRASE_KEY):
            env.setdefault(key, creds.get(key))
        env.setdefault("AUTH_PUBLIC_URL", f"{config.gateway_url}/api/v1/auth")
    return env


def spec(config: StackConfig, creds: Credentials, service: str) -> ProcessSpec:
    return ProcessSpec(
        name=service,
        argv=[str(config.paths.venv_python), "-m", f"switchyard.{service}"],
        log=config.paths.log(service),
        env=service_env(config, creds, service),
        cwd=config.paths.repo,
        # Above the worst-case graceful shutdown without a drain (SHUTDOWN_* defaults: 30 s).
        stop_timeout=40,
    )


def ready_url(config: StackConfig, service: str) -> str:
    return f"http://{config.host}:{config.service_port(service)}/health/ready"


def gateway_ready_url(config: StackConfig, service: str) -> str:
    return f"{config.gateway_url}/api/v1/{ROUTES[service]}/health/ready"
