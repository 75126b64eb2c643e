"""up, down and status of the local stack."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from . import credentials, kafka, pg, procs, services
from .components import ALL_NAMES, Component, components
from .config import SERVICES, StackConfig, StackError
from .probes import http_ok, port_open
from .provision import kafka_libs, say


def _failure(config: StackConfig, name: str, what: str) -> StackError:
    log = config.paths.log(name)
    return StackError(f"{name} {what}; {log}:\n{procs.tail(log, last_start_only=True)}")


def _wait_ready(config: StackConfig, part: Component, proc: subprocess.Popen[bytes] | None) -> None:
    deadline = time.monotonic() + part.ready_timeout
    reason = part.probe(config)
    while reason is not None:
        if proc is not None and proc.poll() is not None:
            raise _failure(config, part.name, f"exited with code {proc.returncode} while starting")
        if proc is None and procs.running(config.paths, part.name) is None:
            raise _failure(config, part.name, "stopped while starting")
        if time.monotonic() > deadline:
            raise _failure(config, part.name, f"not healthy after {part.ready_timeout:.0f}s ({reason})")
        time.sleep(0.25)
        reason = part.probe(config)


def _launch(
    config: StackConfig, creds: credentials.Credentials, group: Sequence[Component], started: list[str]
) -> None:
    """Start what is not running yet, then wait until every part of the group is healthy."""
    launched: dict[str, subprocess.Popen[bytes]] = {}
    for part in group:
        if procs.running(config.paths, part.name):
            say(f"{part.name}: already running")
            continue
        part.prepare(config, creds)
        launched[part.name] = procs.start(config.paths, part.spec(config, creds))
        started.append(part.name)
        say(f"{part.name}: started (pid {launched[part.name].pid})")
    for part in group:
        _wait_ready(config, part, launched.get(part.name))
        say(f"{part.name}: healthy")


def _check_ports_free(config: StackConfig, parts: Sequence[Component]) -> None:
    """Before starting anything: every port of a part that is not running yet must be free."""
    for part in parts:
        if procs.running(config.paths, part.name):
            continue
        for key in part.port_keys:
            if port_open(config.host, config.port(key)):
                raise StackError(
                    f"{part.name}: port {config.port(key)} ({key}) is taken by a process this stack did not "
                    f"start; stop it or choose another port with {key}=..."
                )


def _check_ready_for_up(config: StackConfig, with_services: bool) -> None:
    kafka_libs(config)
    if not config.paths.venv_python.exists():
        raise StackError(f"{config.paths.venv_python} is missing; run `make provision`")
    if with_services:
        missing = services.missing_modules(config, SERVICES)
        if missing:
            names = ", ".join(f"switchyard.{m}" for m in missing)
            raise StackError(
                f"cannot start {names}: module not found in the venv (use `up --only-infra` until it exists)"
            )


def _wait_gateway_routes(config: StackConfig, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    for service in SERVICES:
        url = services.gateway_ready_url(config, service)
        while (reason := http_ok(url)) is not None:
            if time.monotonic() > deadline:
                raise StackError(f"gateway route not ready: {reason}")
            time.sleep(0.25)


def up(config: StackConfig, *, only_infra: bool, started: list[str]) -> None:
    """Idempotent: parts already running are left alone. Names of parts started go into `started`."""
    config.paths.make_dirs()
    _check_ready_for_up(config, with_services=not only_infra)
    creds = credentials.load_or_create(config)
    config.record()
    parts = [p for p in components(config) if not only_infra or p.kind == "infra"]
    _check_ports_free(config, parts)
    _launch(config, creds, [p for p in parts if p.kind == "infra"], started)
    pg.ensure_databases(config, creds)
    kafka.ensure_topics(config)
    say("databases, roles and topics are in place")
    if only_infra:
        return
    _launch(config, creds, [p for p in parts if p.kind != "infra"], started)
    _wait_gateway_routes(config)
    email, password = credentials.admin_login(config, creds)
    # A terminal gets the password; a log file (CI) only where to find it.
    shown = password if sys.stdout.isatty() else f"BOOTSTRAP_ADMIN_PASSWORD in {config.paths.secrets_file}"
    say(f"gateway: {config.gateway_url}  (e.g. {config.gateway_url}/api/v1/auth/health/ready)")
    say(f"admin login: {email} / {shown}")
    say(f"state: {config.paths.stack}  logs: {config.paths.logs}  stop: make down")


def down(config: StackConfig, names: Sequence[str] = ALL_NAMES) -> None:
    """Stop the recorded processes tier by tier: gateway, then services, then infrastructure."""
    tiers = [["gateway"], [*SERVICES, "smtp"], ["kafka", "redis", "postgres"]]
    for tier in tiers:
        chosen = [n for n in tier if n in names and procs.pid_file(config.paths, n).exists()]
        with ThreadPoolExecutor(max_workers=max(len(chosen), 1)) as pool:
            outcomes = list(pool.map(lambda n: procs.stop(config.paths, n), chosen))
        for name, outcome in zip(chosen, outcomes, strict=True):
            say(f"{name}: {outcome}")


def purge(config: StackConfig) -> None:
    """Delete data, logs and generated configs; keep secrets, tool and jar caches."""
    pg_data = config.paths.data / "postgres"
    if pg_data.is_symlink():
        shutil.rmtree(pg_data.resolve().parent, ignore_errors=True)
    for path in (
        config.paths.data,
        config.paths.logs,
        config.paths.config,
        config.paths.run,
        config.paths.mail,
    ):
        shutil.rmtree(path, ignore_errors=True)
    config.paths.recorded_file.unlink(missing_ok=True)
    say(f"purged data, logs and configs under {config.paths.stack}")


def status(config: StackConfig) -> int:
    """Print one line per part; exit code 0 only if every part is running and healthy."""
    rows = [("PART", "STATE", "PID", "PORT", "HEALTH")]
    healthy = True
    for part in components(config):
        record = procs.running(config.paths, part.name)
        ports = ",".join(str(config.port(k)) for k in part.port_keys)
        if record is None:
            taken = any(port_open(config.host, config.port(k)) for k in part.port_keys)
            rows.append((part.name, "stopped", "-", ports, "port taken by another process" if taken else "-"))
            healthy = False
            continue
        reason = part.probe(config)
        healthy = healthy and reason is None
        rows.append((part.name, "running", str(record.pid), ports, "ok" if reason is None else reason))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4])
    return 0 if healthy else 1
