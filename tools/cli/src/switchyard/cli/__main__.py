"""Entry point: `switchyard import ...`; main(argv) returns the exit code, so it also runs in-process."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Sequence

import httpx
from rich.console import Console
from rich.markup import escape

from switchyard.cli.api import ApiError, GatewayClient, login
from switchyard.cli.args import GenerateOptions, ImportOptions, UsageError, parse_args
from switchyard.cli.credentials import resolve_token
from switchyard.cli.generate import counts_table, write_csv
from switchyard.cli.importing import run_import
from switchyard.cli.summary import EXIT_ERROR, EXIT_OK

EXIT_INTERRUPTED = 130


def _generate(opts: GenerateOptions, console: Console) -> int:
    counts = write_csv(opts.file, opts.rows, bad_share=opts.bad_share, seed=opts.seed, domain=opts.domain)
    console.print(counts_table(opts.file, counts))
    return EXIT_OK


def _import(opts: ImportOptions, console: Console) -> int:
    token = resolve_token(opts, env=os.environ, stdin=sys.stdin, prompt=getpass.getpass, login=login)
    with GatewayClient(opts.url, token) as client:
        return run_import(opts, client, console)


def print_api_error(err: Console, exc: ApiError) -> None:
    err.print(f"[bold red]{escape(exc.title)}[/]" + (f"[red]: {escape(exc.detail)}[/]" if exc.detail else ""))
    for message in exc.messages:
        err.print(f"[red]  - {escape(message)}[/]")


def main(argv: Sequence[str] | None = None) -> int:
    console, err = Console(), Console(stderr=True)
    try:
        command = parse_args(sys.argv[1:] if argv is None else argv, os.environ)
        if isinstance(command, GenerateOptions):
            return _generate(command, console)
        return _import(command, console)
    except SystemExit as exc:  # argparse: --help, or a malformed command line
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    except UsageError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
    except ApiError as exc:
        print_api_error(err, exc)
    except httpx.TransportError as exc:
        err.print(f"[red]cannot reach the gateway: {escape(str(exc) or type(exc).__name__)}[/]")
    except httpx.HTTPError as exc:
        err.print(f"[red]HTTP error: {escape(str(exc) or type(exc).__name__)}[/]")
    except OSError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
