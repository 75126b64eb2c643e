"""Service Dockerfiles: multi-stage uv builds that run as a non-root user."""

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("auth", "users", "notifications", "ingest")


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with line continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    pairs = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def _final_stage(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    last_from = max(i for i, (keyword, _) in enumerate(pairs) if keyword == "FROM")
    return pairs[last_from:]


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_is_a_multi_stage_uv_build(service):
    pairs = _instructions((REPO / "services" / service / "Dockerfile").read_text())
    stages = [args for keyword, args in pairs if keyword == "FROM"]
    assert len(stages) >= 3, stages
    runs = " ".join(args for keyword, args in pairs if keyword == "RUN")
    assert "--mount=type=cache,target=/root/.cache/uv" in runs
    assert f"uv sync --frozen --no-dev --no-install-workspace --package switchyard-{service}" in runs
    assert f"uv sync --frozen --no-dev --package switchyard-{service}" in runs
    # Dependencies are installed before the source is copied, so code edits keep that layer cached.
    first_sync = next(i for i, (k, a) in enumerate(pairs) if k == "RUN" and "--no-install-workspace" in a)
    first_source_copy = next(
        i for i, (k, a) in enumerate(pairs) if k == "COPY" and f"services/{service} " in a
    )
    assert first_sync < first_source_copy


@pytest.mark.parametrize("service", SERVICES)
def test_final_stage_runs_the_service_as_non_root(service):
    final = _final_stage(_instructions((REPO / "services" / service / "Dockerfile").read_text()))
    users = [args for keyword, args in final if keyword == "USER"]
    assert users, "final stage sets no USER"
    assert users[-1].split(":")[0] not in ("root", "0")
    keywords = {keyword for keyword, _ in final}
    assert {"EXPOSE", "HEALTHCHECK", "CMD"} <= keywords
    cmd = next(args for keyword, args in final if keyword == "CMD")
    assert cmd == f'["python", "-m", "switchyard.{service}"]'
    copies = [args for keyword, args in final if keyword == "COPY"]
    assert copies == ["--from=builder /app /app"], "final stage should carry only the built /app"


def test_dockerignore_keeps_local_state_out_of_the_build_context():
    lines = (REPO / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert patterns[0] == "**", "start from nothing, then allow what the images need"
    reincluded = [p for p in patterns if p.startswith("!")]
    assert not any(p.startswith(("!.stack", "!.venv", "!.git", "!.env")) for p in reincluded)


@pytest.mark.parametrize("service", SERVICES)
def test_healthcheck_probes_the_live_endpoint_with_valid_python(service):
    final = _final_stage(_instructions((REPO / "services" / service / "Dockerfile").read_text()))
    healthcheck = next(args for keyword, args in final if keyword == "HEALTHCHECK")
    argv = json.loads(healthcheck[healthcheck.index("CMD ") + 4 :])
    assert argv[:2] == ["python", "-c"]
    assert "/health/live" in argv[2]
    compile(argv[2], "healthcheck", "exec")
