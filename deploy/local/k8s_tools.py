"""Tools that build and check the Kubernetes manifests (deploy/k8s), each fetched from a registry once.

- kustomize, built with ``go install`` from the Go module proxy;
- the operators' CRDs: CloudNativePG's and KEDA's as their Go modules ship them, Strimzi's generated
  from its API jar (Maven Central) by Strimzi's own CRD generator, as Strimzi's build does;
- checkov, in a venv of its own: its pins (an old ``packaging``) do not fit the workspace's.

``python -m deploy.local.k8s_tools [--overlay dev|prod] [--out DIR]`` renders the manifests (``make k8s``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .config import REPO_ROOT, StackConfig, StackError, load_config

KUSTOMIZE_VERSION = "v5.8.2"  # the newest whose go.mod asks for no newer Go than 1.26
CNPG_MODULE, CNPG_VERSION = "github.com/cloudnative-pg/cloudnative-pg", "v1.27.1"
KEDA_MODULE, KEDA_VERSION = "github.com/kedacore/keda/v2", "v2.21.0"
STRIMZI_VERSION = "1.2.0"
CHECKOV_VERSION = "3.3.30"
# checkov's dependencies resolved as on this day, so a later release cannot change the run.
CHECKOV_EXCLUDE_NEWER = "2026-11-26"
OVERLAYS = ("dev", "prod")
K8S_DIR = REPO_ROOT / "deploy" / "k8s"

# CRD files taken from each Go module's config/crd/bases, by the kinds the manifests use.
GO_CRDS = {
    (CNPG_MODULE, CNPG_VERSION): ("postgresql.cnpg.io_clusters.yaml", "postgresql.cnpg.io_databases.yaml"),
    (KEDA_MODULE, KEDA_VERSION): (
        "keda.sh_scaledobjects.yaml",
        "keda.sh_triggerauthentications.yaml",
    ),
}
STRIMZI_CRDS = {
    "kafka": "io.strimzi.api.kafka.model.kafka.Kafka",
    "kafkanodepool": "io.strimzi.api.kafka.model.nodepool.KafkaNodePool",
    "kafkatopic": "io.strimzi.api.kafka.model.topic.KafkaTopic",
    "kafkauser": "io.strimzi.api.kafka.model.user.KafkaUser",
}
# Strimzi 1.x's classes are Java 21 bytecode; Debian's default JDK here is 17.
STRIMZI_MIN_JAVA = 21


def note(message: str) -> None:
    """Progress on stderr, so `make k8s OVERLAY=prod | kubectl apply -f -` gets YAML alone."""
    print(f"[stack] {message}", file=sys.stderr, flush=True)


def _run(argv: list[str], *, what: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    result = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StackError(f"{what} failed (exit {result.returncode}): {' '.join(argv)}\n{result.stderr}")
    return result.stdout


def kustomize_path(config: StackConfig) -> Path:
    return config.paths.tools / f"kustomize-{KUSTOMIZE_VERSION}" / "kustomize"


def crd_dir(config: StackConfig) -> Path:
    return config.paths.cache / f"k8s-crds-cnpg-{CNPG_VERSION}-keda-{KEDA_VERSION}-strimzi-{STRIMZI_VERSION}"


def checkov_path(config: StackConfig) -> Path:
    return config.paths.tools / f"checkov-{CHECKOV_VERSION}" / "bin" / "checkov"


def _go() -> str:
    found = shutil.which("go") or ("/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None)
    if found is None:
        raise StackError("Go is needed to fetch kustomize and the operators' CRDs (Go module proxy)")
    return found


def _go_env() -> dict[str, str]:
    return {**os.environ, "GOFLAGS": "-mod=mod"}


def ensure_kustomize(config: StackConfig) -> Path:
    target = kustomize_path(config)
    if target.exists():
        return target
    note(f"building kustomize {KUSTOMIZE_VERSION} from the Go module proxy into {target.parent}")
    target.parent.mkdir(parents=True, exist_ok=True)
    module = f"sigs.k8s.io/kustomize/kustomize/v5@{KUSTOMIZE_VERSION}"
    _run(
        [_go(), "install", module],
        what="go install kustomize",
        env={**_go_env(), "GOBIN": str(target.parent)},
    )
    if not target.exists():
        raise StackError(f"go install finished but {target} is missing")
    return target


def _go_module_dir(module: str, version: str) -> Path:
    info = json.loads(
        _run([_go(), "mod", "download", "-json", f"{module}@{version}"], what="go mod download")
    )
    return Path(info["Dir"])


def _java_major(java_home: Path) -> int:
    release = java_home / "release"
    if not release.exists():
        return 0
    found = re.search(r'^JAVA_VERSION="(\d+)', release.read_text(), re.MULTILINE)
    return int(found.group(1)) if found else 0


def find_java(minimum: int = STRIMZI_MIN_JAVA) -> Path:
    """A java of at least ``minimum``: JAVA_HOME, else the newest JDK under /usr/lib/jvm."""
    homes = [Path(os.environ["JAVA_HOME"])] if os.environ.get("JAVA_HOME") else []
    homes += sorted(Path("/usr/lib/jvm").glob("*"), key=_java_major, reverse=True)
    for home in homes:
        if _java_major(home) >= minimum and (home / "bin" / "java").exists():
            return home / "bin" / "java"
    raise StackError(f"Strimzi's CRD generator needs Java {minimum}+ (JAVA_HOME or /usr/lib/jvm/*)")


def _strimzi_crds(target: Path) -> None:
    with tempfile.TemporaryDirectory() as jars:
        for artifact in ("api", "crd-generator"):
            coordinates = f"-Dartifact=io.strimzi:{artifact}:{STRIMZI_VERSION}"
            argv = ["mvn", "-q", "-B", "dependency:copy", coordinates, f"-DoutputDirectory={jars}"]
            _run(argv, what=f"Maven fetch of io.strimzi:{artifact}")
        classpath = ":".join(str(p) for p in sorted(Path(jars).glob("*.jar")))
        outputs = [f"{cls}={target / f'strimzi-{name}.yaml'}" for name, cls in STRIMZI_CRDS.items()]
        generator = "io.strimzi.crdgenerator.CrdGenerator"
        _run(
            [str(find_java()), "-cp", classpath, generator, "--yaml", *outputs], what="Strimzi CRD generator"
        )


def ensure_crds(config: StackConfig) -> Path:
    target = crd_dir(config)
    done = target / ".complete"
    if done.exists():
        return target
    note(f"fetching the CloudNativePG, KEDA and Strimzi CRDs into {target}")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for (module, version), files in GO_CRDS.items():
        bases = _go_module_dir(module, version) / "config" / "crd" / "bases"
        for name in files:
            shutil.copyfile(bases / name, target / name)
    _strimzi_crds(target)
    done.write_text("ok\n")
    return target


def ensure_checkov(config: StackConfig, uv: Path, python: Path) -> Path:
    target = checkov_path(config)
    if target.exists():
        return target
    venv = target.parents[1]
    note(f"installing checkov {CHECKOV_VERSION} into its own venv {venv}")
    shutil.rmtree(venv, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"} | {"UV_PYTHON_DOWNLOADS": "never"}
    _run([str(uv), "venv", "--quiet", "--python", str(python), str(venv)], what="uv venv (checkov)", env=env)
    install = [str(uv), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python")]
    pins = [f"checkov=={CHECKOV_VERSION}", "--exclude-newer", CHECKOV_EXCLUDE_NEWER]
    _run([*install, *pins], what="uv pip install checkov", env=env)
    if not target.exists():
        raise StackError(f"checkov was installed but {target} is missing")
    return target


def ensure_k8s_tools(config: StackConfig, uv: Path, python: Path) -> None:
    ensure_kustomize(config)
    ensure_crds(config)
    ensure_checkov(config, uv, python)


def build(kustomize: Path, overlay: str) -> str:
    """``kustomize build`` of one overlay, as YAML text."""
    return _run(
        [str(kustomize), "build", str(K8S_DIR / "overlays" / overlay)], what=f"kustomize build {overlay}"
    )


def provisioned(path: Path) -> Path:
    """``path`` when provisioning made it, else a StackError saying how to make it."""
    if not path.exists():
        raise StackError(f"{path} is missing; run `make provision` (make test runs it)")
    return path


def render_all(config: StackConfig) -> dict[str, str]:
    """Every overlay rendered by the provisioned kustomize."""
    kustomize = provisioned(kustomize_path(config))
    return {overlay: build(kustomize, overlay) for overlay in OVERLAYS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.local.k8s_tools", description="render deploy/k8s")
    parser.add_argument(
        "--overlay", choices=OVERLAYS, help="print this overlay to stdout (default: all, to --out)"
    )
    parser.add_argument("--out", type=Path, help="folder for <overlay>.yaml files (default: STACK_DIR/k8s)")
    args = parser.parse_args(argv)
    try:
        config = load_config()
        kustomize = ensure_kustomize(config)
        if args.overlay and args.out is None:
            sys.stdout.write(build(kustomize, args.overlay))
            return 0
        out = args.out or config.paths.stack / "k8s"
        out.mkdir(parents=True, exist_ok=True)
        for overlay in [args.overlay] if args.overlay else OVERLAYS:
            (out / f"{overlay}.yaml").write_text(build(kustomize, overlay))
            note(f"rendered {overlay} -> {out / f'{overlay}.yaml'}")
    except StackError as exc:
        note(f"error: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
