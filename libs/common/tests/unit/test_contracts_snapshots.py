import json
from pathlib import Path

from switchyard.common.contracts.snapshots import check, current_schemas, main, write


def test_written_snapshots_match_the_catalog(tmp_path: Path):
    assert write(tmp_path) == []

    report = check(tmp_path)
    assert (report.breaking, report.missing, report.outdated) == ([], [], [])
    assert sorted(p.name for p in tmp_path.glob("*.json")) == sorted(current_schemas())


def test_missing_snapshot_is_reported(tmp_path: Path):
    write(tmp_path)
    (tmp_path / "users.user-deleted.v1.json").unlink()

    assert check(tmp_path).missing == ["users.user-deleted.v1.json"]


def _edit(path: Path, change: object) -> None:
    schema = json.loads(path.read_text())
    change(schema["$defs"]["UserDeleted"])  # type: ignore[operator]
    path.write_text(json.dumps(schema))


def test_snapshot_with_a_field_the_event_lost_is_breaking_and_not_overwritten(tmp_path: Path):
    write(tmp_path)
    path = tmp_path / "users.user-deleted.v1.json"
    _edit(path, lambda d: (d["properties"].update(reason={"type": "string"}), d["required"].append("reason")))
    before = path.read_text()

    assert check(tmp_path).breaking == ["users.user-deleted.v1.json: field 'reason' was removed"]
    assert main(["--dir", str(tmp_path)]) == 1
    assert path.read_text() == before
    assert main(["--dir", str(tmp_path), "--allow-breaking"]) == 0
    assert check(tmp_path).breaking == []


def test_snapshot_differing_only_in_wording_is_outdated_not_breaking(tmp_path: Path):
    write(tmp_path)
    path = tmp_path / "users.user-deleted.v1.json"
    _edit(path, lambda d: d.update(description="older wording"))

    report = check(tmp_path)
    assert (report.breaking, report.outdated) == ([], ["users.user-deleted.v1.json"])


def test_snapshot_of_an_event_dropped_from_the_catalog_is_breaking(tmp_path: Path):
    write(tmp_path)
    (tmp_path / "users.user-renamed.v1.json").write_text("{}")

    assert check(tmp_path).breaking == [
        "users.user-renamed.v1.json: event removed from the catalog (consumers may still need it)"
    ]
