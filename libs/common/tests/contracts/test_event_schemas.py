"""The committed JSON schema of every catalog event guards its consumers.

An incompatible change (field removed, type changed, new required field...) fails here:
publish a new event VERSION instead. A compatible change passes with a warning until the
snapshots are refreshed.
"""

import warnings
from pathlib import Path

from switchyard.common.contracts.snapshots import REFRESH_COMMAND, check

SNAPSHOTS = Path(__file__).parent / "snapshots"
REFRESH = f"refresh with: {REFRESH_COMMAND} --dir {SNAPSHOTS.relative_to(Path.cwd(), walk_up=True)}"


def test_no_event_schema_changed_incompatibly():
    report = check(SNAPSHOTS)

    assert not report.breaking, (
        "incompatible event schema change; add a new VERSION of the event instead:\n  "
        + "\n  ".join(report.breaking)
    )


def test_every_catalog_event_has_a_committed_snapshot():
    report = check(SNAPSHOTS)

    assert not report.missing, f"events without a schema snapshot: {report.missing}; {REFRESH}"


def test_compatible_changes_only_ask_for_a_refresh():
    report = check(SNAPSHOTS)

    if report.outdated:
        warnings.warn(f"compatible schema changes in {report.outdated}; {REFRESH}", stacklevel=1)
    assert set(report.outdated).isdisjoint(report.missing)
