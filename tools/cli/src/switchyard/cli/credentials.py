"""Where the bearer token comes from: the options, or a password login."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TextIO

from switchyard.cli.args import ImportOptions, UsageError

Login = Callable[[str, str, str], str]


def read_password(
    opts: ImportOptions, *, env: Mapping[str, str], stdin: TextIO, prompt: Callable[[str], str]
) -> str:
    """The password from standard input (--password-stdin), SWITCHYARD_PASSWORD, or a prompt."""
    if opts.password_stdin:
        password = stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageError("--password-stdin: standard input held no password")
        return password
    return env.get("SWITCHYARD_PASSWORD") or prompt(f"Password for {opts.user}: ")


def resolve_token(
    opts: ImportOptions, *, env: Mapping[str, str], stdin: TextIO, prompt: Callable[[str], str], login: Login
) -> str:
    if opts.token:
        return opts.token
    if not opts.user:
        raise UsageError("no credentials: pass --token or --user, or set SWITCHYARD_TOKEN")
    return login(opts.url, opts.user, read_password(opts, env=env, stdin=stdin, prompt=prompt))
