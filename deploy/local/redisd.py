"""Redis: in-memory only, bound to loopback."""

from __future__ import annotations

import shutil

from .config import StackConfig
from .procs import ProcessSpec

NAME = "redis"


def spec(config: StackConfig) -> ProcessSpec:
    data = config.paths.data / NAME
    data.mkdir(parents=True, exist_ok=True)
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    argv = [binary, "--bind", config.host, "--port", str(config.port("REDIS_PORT"))]
    # Caches and rate limits only: nothing to persist, so no RDB snapshots and no AOF.
    argv += ["--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", str(data)]
    argv += ["--protected-mode", "yes", "--loglevel", "notice"]
    return ProcessSpec(name=NAME, argv=argv, log=config.paths.log(NAME), cwd=data)
