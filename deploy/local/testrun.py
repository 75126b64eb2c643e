"""`make test`: start the stack unless tests already point at servers, run pytest, stop what it started."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Sequence
from types import FrameType

from . import commands, credentials, pg, procs
from .config import SERVICES, StackConfig, StackError
from .provision import say

EXTERNAL_VARS = (
    "SWITCHYARD_TEST_DATABASE_URL",
    "SWITCHYARD_TEST_KAFKA",
    "SWITCHYARD_TEST_REDIS_URL",
    "SWITCHYARD_GATEWAY_URL",
)
PYTEST_NO_TESTS = 5


def stack_test_env(config: StackConfig, creds: credentials.Credentials) -> dict[str, str]:
    email, password = credentials.admin_login(config, creds)
    return {
        "SWITCHYARD_TEST_DATABASE_URL": pg.admin_url(config, creds),
        "SWITCHYARD_TEST_KAFKA": config.kafka_bootstrap,
        # Tests get their own Redis database so they never touch the services' keys in db 0.
        "SWITCHYARD_TEST_REDIS_URL": config.redis_url(1),
        "SWITCHYARD_GATEWAY_URL": config.gateway_url,
        "SWITCHYARD_STACK_DIR": str(config.paths.stack),
        "SWITCHYARD_ADMIN_EMAIL": email,
        "SWITCHYARD_ADMIN_PASSWORD": password,
    }


def _external() -> bool:
    given = [name for name in EXTERNAL_VARS if os.environ.get(name)]
    if given and len(given) != len(EXTERNAL_VARS):
        missing = sorted(set(EXTERNAL_VARS) - set(given))
        raise StackError(
            f"tests point at external servers but {', '.join(missing)} is unset; set all or none"
        )
    return bool(given)


def _raise_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # so the finally clause below still stops the stack


def _show_service_logs(config: StackConfig) -> None:
    for name in (*SERVICES, "gateway"):
        log = config.paths.log(name)
        if log.exists():
            print(f"--- last lines of {log}\n{procs.tail(log, 30)}", flush=True)


def run_tests(config: StackConfig, pytest_args: Sequence[str]) -> int:
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    env = dict(os.environ)
    started: list[str] = []
    try:
        if _external():
            say("tests use the servers named by SWITCHYARD_* variables; not starting the stack")
        else:
            commands.up(config, only_infra=False, started=started)
            env.update(stack_test_env(config, credentials.load_or_create(config)))
        argv = [str(config.paths.venv_python), "-m", "pytest", *pytest_args]
        say(f"running: {' '.join(argv[1:])}")
        code = subprocess.call(argv, env=env, cwd=config.paths.repo)
        if code not in (0, PYTEST_NO_TESTS) and started:
            _show_service_logs(config)
    finally:
        if started:
            say(f"stopping what this run started: {', '.join(started)}")
            commands.down(config, started)
    if code == PYTEST_NO_TESTS:
        say("FAILED: pytest collected no tests (exit 5); a test run that tests nothing is a failure")
        return 1
    if code != 0:
        say(f"FAILED: pytest exited with {code}")
    return code
