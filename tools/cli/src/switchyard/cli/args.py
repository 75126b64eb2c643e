"""Command-line arguments, turned into one options object per command."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from switchyard.cli.generate import MAX_BAD_SHARE
from switchyard.cli.rules import email_valid

DEFAULT_URL = "http://127.0.0.1:8080"

EPILOG = """\
environment:
  SWITCHYARD_URL       gateway URL (default %(default_url)s)
  SWITCHYARD_TOKEN     bearer token, used when neither --token nor --user is given
  SWITCHYARD_PASSWORD  password for --user when --password-stdin is not given

exit codes:
  0  the import completed and no row was rejected
  1  rows were rejected, or the import failed or was cancelled
  2  usage error, login failure or HTTP error

examples:
  switchyard import users.csv --user admin --password-stdin < pw.txt
  switchyard import users.csv --dry-run --mapping '{"E-Mail": "email"}'
  switchyard import --generate 1000000 big.csv --bad-share 0.03 --seed 7
"""


class UsageError(Exception):
    """A command line that cannot run as given."""


@dataclass(frozen=True, slots=True)
class ImportOptions:
    file: Path
    url: str
    token: str | None
    user: str | None
    password_stdin: bool
    dry_run: bool
    notify: bool
    force: bool
    mapping: str | None
    errors: int
    progress: bool


@dataclass(frozen=True, slots=True)
class GenerateOptions:
    file: Path
    rows: int
    bad_share: float
    seed: int | None
    domain: str


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _bad_share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= MAX_BAD_SHARE:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_BAD_SHARE}, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="switchyard", description="Switchyard command-line client.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    imp = commands.add_parser(
        "import",
        help="import users from a CSV file, or generate a test file",
        description="Upload a CSV of users (email,username,full_name,role) and follow the import.",
        epilog=EPILOG % {"default_url": DEFAULT_URL},
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument("file", type=Path, metavar="FILE", help="the CSV file to upload (or to write)")
    imp.add_argument("--url", help="gateway URL (env SWITCHYARD_URL)")
    who = imp.add_mutually_exclusive_group()
    who.add_argument("--token", help="bearer token (env SWITCHYARD_TOKEN)")
    who.add_argument("--user", metavar="LOGIN", help="log in with this login and a password")
    imp.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    imp.add_argument("--dry-run", action="store_true", help="validate every row, create nothing")
    imp.add_argument("--no-notify", action="store_true", help="do not send welcome emails")
    imp.add_argument("--force", action="store_true", help="start a new job even for a file uploaded lately")
    imp.add_argument("--mapping", metavar="JSON_OR_@FILE", help="column mapping, as JSON or @file.json")
    imp.add_argument("--errors", type=_non_negative, default=10, metavar="N", help="show N row errors")
    imp.add_argument("--no-progress", action="store_true", help="no live progress bar; poll quietly")
    gen = imp.add_argument_group("test file generator (writes FILE, uploads nothing)")
    gen.add_argument("--generate", type=_non_negative, metavar="N", help="write N data rows to FILE")
    gen.add_argument(
        "--bad-share", type=_bad_share, default=0.03, metavar="SHARE", help="share of bad rows (default 0.03)"
    )
    gen.add_argument("--seed", type=int, help="random seed, for a reproducible file")
    gen.add_argument("--domain", default="example.test", help="email domain (default example.test)")
    return parser


def load_mapping(value: str) -> str:
    """Read --mapping (inline JSON or @file), check it is a JSON object, return it as compact JSON."""
    text = value
    if value.startswith("@"):
        try:
            text = Path(value[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read mapping file {value[1:]}: {exc.strerror}") from exc
    try:
        mapping = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--mapping is not valid JSON: {exc}") from exc
    if not isinstance(mapping, dict):
        raise UsageError("--mapping must be a JSON object")
    return json.dumps(mapping, ensure_ascii=False, separators=(",", ":"))


def parse_args(argv: Sequence[str], env: Mapping[str, str]) -> ImportOptions | GenerateOptions:
    """Parse the command line; argparse exits with 2 on a malformed one, UsageError covers the rest."""
    ns = build_parser().parse_args(list(argv))
    if ns.generate is not None:
        if not email_valid(f"a@{ns.domain}"):
            raise UsageError(f"--domain {ns.domain!r} does not make valid email addresses")
        return GenerateOptions(ns.file, ns.generate, ns.bad_share, ns.seed, ns.domain)
    if not ns.file.is_file():
        raise UsageError(f"no such file: {ns.file}")
    if ns.password_stdin and not ns.user:
        raise UsageError("--password-stdin needs --user")
    # An explicit --user wins over a token left in the environment.
    token = ns.token or (None if ns.user else env.get("SWITCHYARD_TOKEN") or None)
    if token is None and not ns.user:
        raise UsageError("no credentials: pass --token or --user, or set SWITCHYARD_TOKEN")
    return ImportOptions(
        file=ns.file,
        url=ns.url or env.get("SWITCHYARD_URL") or DEFAULT_URL,
        token=token,
        user=ns.user,
        password_stdin=ns.password_stdin,
        dry_run=ns.dry_run,
        notify=not ns.no_notify,
        force=ns.force,
        mapping=load_mapping(ns.mapping) if ns.mapping is not None else None,
        errors=ns.errors,
        progress=not ns.no_progress,
    )
