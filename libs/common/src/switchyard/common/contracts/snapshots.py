"""Committed JSON schemas of every catalog event, and the check that keeps them compatible.

Refresh after a compatible change (or a new event)::

    python -m switchyard.common.contracts.snapshots [--dir libs/common/tests/contracts/snapshots]

The command refuses to overwrite a snapshot with a breaking change: publish a new version.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import msgspec

from switchyard.common.contracts.catalog import EVENT_TYPES
from switchyard.common.contracts.compatibility import breaking_changes

DEFAULT_DIR = Path("libs/common/tests/contracts/snapshots")
REFRESH_COMMAND = "python -m switchyard.common.contracts.snapshots"


def current_schemas() -> dict[str, dict[str, Any]]:
    """Snapshot file name -> JSON schema, for every catalog event."""
    return {f"{event.TOPIC}.json": msgspec.json.schema(event) for event in EVENT_TYPES}


class SnapshotReport(msgspec.Struct, frozen=True):
    """How the catalog differs from the committed snapshots."""

    breaking: list[str]
    missing: list[str]
    outdated: list[str]


def check(directory: Path) -> SnapshotReport:
    """Compare the catalog with the snapshots in ``directory``."""
    breaking: list[str] = []
    missing: list[str] = []
    outdated: list[str] = []
    schemas = current_schemas()
    for name, schema in schemas.items():
        path = directory / name
        if not path.exists():
            missing.append(name)
            continue
        old = json.loads(path.read_text())
        reasons = breaking_changes(old, schema)
        breaking += [f"{name}: {reason}" for reason in reasons]
        if not reasons and old != schema:
            outdated.append(name)
    for path in sorted(directory.glob("*.json")):
        if path.name not in schemas:
            breaking.append(f"{path.name}: event removed from the catalog (consumers may still need it)")
    return SnapshotReport(breaking=breaking, missing=missing, outdated=outdated)


def write(directory: Path, *, allow_breaking: bool = False) -> list[str]:
    """Write every snapshot; returns the breaking changes that stopped it (nothing written then)."""
    if not allow_breaking and (blocking := check(directory).breaking):
        return blocking
    directory.mkdir(parents=True, exist_ok=True)
    for path in directory.glob("*.json"):
        path.unlink()
    for name, schema in current_schemas().items():
        (directory / name).write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=REFRESH_COMMAND, description=__doc__.split("\n")[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=f"default: {DEFAULT_DIR}")
    parser.add_argument("--allow-breaking", action="store_true", help="overwrite even incompatible snapshots")
    args = parser.parse_args(argv)
    blocking = write(args.dir, allow_breaking=args.allow_breaking)
    for reason in blocking:
        print(f"breaking: {reason}", file=sys.stderr)
    if blocking:
        print("not written: add a new event VERSION instead, or pass --allow-breaking", file=sys.stderr)
        return 1
    print(f"wrote {len(current_schemas())} snapshots to {args.dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
