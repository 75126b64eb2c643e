"""checkov's Kubernetes policies over both rendered overlays, with a short, reasoned skip list.

checkov runs from its own venv (provisioned by `make provision`): its pins do not fit the
workspace's lock. --skip-download keeps it offline (no guideline or policy downloads).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from deploy.local import k8s_tools
from deploy.local.config import load_config

# Each skipped check, and why it does not apply here.
SKIPPED_CHECKS = {
    # Tags are pinned (test_k8s_policy checks it). Digests need the registry that holds the image,
    # which nothing here can reach, and our own images have one only once a release is built: the
    # release pipeline adds `digest:` to the overlay's `images:` entries.
    "CKV_K8S_43": "Image should use digest",
    # The services read every setting, secrets included, from environment variables by design
    # (msgspec settings, as in docker-compose and the local stack); the values come from
    # secretKeyRef, never from the manifests (test_k8s_policy checks that).
    "CKV_K8S_35": "Prefer using secrets as files over secrets as environment variables",
}


def _checkov(directory: Path) -> dict[str, Any]:
    checkov = k8s_tools.provisioned(k8s_tools.checkov_path(load_config()))
    argv = [str(checkov), "--directory", str(directory), "--framework", "kubernetes", "--skip-download"]
    argv += ["--skip-check", ",".join(SKIPPED_CHECKS), "--output", "json", "--quiet", "--compact"]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert isinstance(report, dict), report
    return report


def test_checkov_passes_on_both_overlays(tmp_path):
    for overlay, text in k8s_tools.render_all(load_config()).items():
        (tmp_path / f"{overlay}.yaml").write_text(text)
    report = _checkov(tmp_path)
    summary = report["summary"]
    failed = [
        f"{c['check_id']} {c['check_name']}: {c['resource']} ({c['file_path']})"
        for c in report["results"]["failed_checks"]
    ]
    assert not failed, "\n".join(failed)
    assert summary["parsing_errors"] == 0
    # Both overlays' workloads were looked at, not an empty folder.
    assert summary["resource_count"] > 100
    assert summary["passed"] > 500
