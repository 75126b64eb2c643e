"""Command line of the local stack: provision, up, infra-up, down, status, logs, test."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence

from . import commands, procs, provision, testrun
from .components import ALL_NAMES
from .config import StackConfig, StackError, load_config


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stack", description="Switchyard local stack, without Docker.")
    sub = parser.add_subparsers(dest="command", required=True)
    prov = sub.add_parser("provision", help="install or fetch whatever is missing")
    prov.add_argument("--venv-only", action="store_true", help="only uv and the project venv")
    prov.add_argument(
        "--k8s-tools", action="store_true", help="also kustomize, the CRDs and checkov (the manifests' tests)"
    )
    start = sub.add_parser("up", help="start everything (idempotent) and wait until healthy")
    start.add_argument(
        "--only-infra", action="store_true", help="Postgres, Redis, Kafka and the mail sink only"
    )
    sub.add_parser("infra-up", help="same as `up --only-infra`")
    stop = sub.add_parser("down", help="stop exactly the processes the stack started")
    stop.add_argument("--purge", action="store_true", help="also delete data, logs and generated configs")
    sub.add_parser("status", help="state, pid, port and health of each part")
    logs = sub.add_parser("logs", help="show (or follow) logs")
    logs.add_argument("name", nargs="?", choices=ALL_NAMES)
    logs.add_argument("-n", "--lines", type=int, default=50)
    logs.add_argument("-f", "--follow", action="store_true")
    test = sub.add_parser("test", help="start the stack, run pytest, stop what was started")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed to pytest (also $PYTEST_ARGS)")
    return parser


def _logs(config: StackConfig, name: str | None, lines: int, follow: bool) -> int:
    names = [name] if name else list(ALL_NAMES)
    files = [config.paths.log(n) for n in names]
    if name == "gateway" or name is None:
        files += [config.paths.logs / "gateway-error.log", config.paths.logs / "gateway-access.log"]
    files = [f for f in files if f.exists()]
    if not files:
        print(f"no logs yet under {config.paths.logs}")
        return 1
    if follow:
        # Hand the terminal to tail: Ctrl-C ends it the usual way.
        os.execvp("tail", ["tail", "-n", str(lines), "-F", *map(str, files)])  # noqa: S606 - fixed argv, no shell
    for path in files:
        print(f"==> {path} <==\n{procs.tail(path, lines)}")
    return 0


def _run(args: argparse.Namespace, config: StackConfig) -> int:
    match args.command:
        case "provision":
            provision.provision(config, venv_only=args.venv_only, k8s_tools=args.k8s_tools)
        case "up" | "infra-up":
            commands.up(config, only_infra=args.command == "infra-up" or args.only_infra, started=[])
        case "down":
            commands.down(config)
            if args.purge:
                commands.purge(config)
        case "status":
            return commands.status(config)
        case "logs":
            return _logs(config, args.name, args.lines, args.follow)
        case "test":
            extra = shlex.split(os.environ.get("PYTEST_ARGS", ""))
            return testrun.run_tests(config, [*extra, *args.pytest_args])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args, load_config())
    except StackError as exc:
        print(f"[stack] ERROR: {exc}", file=sys.stderr, flush=True)
        return 1
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly.
        sys.stderr.close()
        return 1
    except KeyboardInterrupt:
        print("[stack] interrupted", file=sys.stderr, flush=True)
        return 130
