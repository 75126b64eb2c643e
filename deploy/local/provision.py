"""Finds or installs everything the stack needs; every failure stops with a clear message."""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .config import StackConfig, StackError
from .k8s_tools import ensure_k8s_tools

UV_VERSION = "0.13.9"
KAFKA_POM = Path(__file__).resolve().parents[1] / "kafka" / "pom.xml"

# Debian package that brings each missing command.
SYSTEM_PACKAGES = {
    "redis-server": "redis-server",
    "nginx": "nginx",
    "postgres": "postgresql",
    "java": "openjdk-17-jre-headless",
    "mvn": "maven",
}


def say(message: str) -> None:
    print(f"[stack] {message}", flush=True)


def run(
    argv: list[str],
    *,
    what: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    quiet: bool = False,
) -> None:
    """Run a step with its output shown (or, if quiet, shown only on failure); a failure names the step."""
    result = subprocess.run(argv, cwd=cwd, env=env, check=False, capture_output=quiet, text=True)
    if result.returncode != 0:
        output = f"\n{result.stdout}{result.stderr}" if quiet else ""
        raise StackError(f"{what} failed (exit {result.returncode}): {' '.join(argv)}{output}")


def find_python312() -> Path:
    """A real interpreter, never a venv's: pip and `uv sync --python` need the base one."""
    if sys.version_info[:2] == (3, 12):
        base = Path(sys.base_prefix) / "bin" / "python3.12"
        if base.exists():
            return base
    home = Path.home()
    candidates = sorted(glob.glob(str(home / ".pyenv/versions/3.12*/bin/python3.12")), reverse=True)
    on_path = shutil.which("python3.12")
    for candidate in [*candidates, *([on_path] if on_path else [])]:
        probe = subprocess.run([candidate, "-c", "pass"], capture_output=True, check=False)
        if probe.returncode == 0:
            return Path(candidate)
    raise StackError("Python 3.12 not found (looked in ~/.pyenv/versions/3.12*/bin and PATH)")


def postgres_bin() -> Path:
    """Directory of the newest installed PostgreSQL server binaries."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise StackError("PostgreSQL server not installed; run `make provision`")
    return Path(found[-1]).parent


def _system_command(name: str) -> bool:
    if name == "postgres":
        return bool(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    return shutil.which(name) is not None or Path("/usr/sbin", name).exists()


def ensure_system_packages() -> None:
    missing = sorted({pkg for cmd, pkg in SYSTEM_PACKAGES.items() if not _system_command(cmd)})
    if not missing:
        return
    if os.geteuid() != 0:
        raise StackError(f"missing system packages; run: sudo apt-get install -y {' '.join(missing)}")
    if shutil.which("apt-get") is None:
        raise StackError(f"missing system packages {missing} and no apt-get to install them")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    say(f"installing system packages: {' '.join(missing)}")
    run(["apt-get", "update", "-q"], what="apt-get update", env=env)
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
    run(install, what="apt-get install", env=env)
    still = [cmd for cmd in SYSTEM_PACKAGES if not _system_command(cmd)]
    if still:
        raise StackError(f"still missing after apt-get install: {still}")


def _works(uv: str) -> bool:
    result = subprocess.run([uv, "--version"], capture_output=True, check=False)
    return result.returncode == 0


def ensure_uv(config: StackConfig, python: Path) -> Path:
    """$UV, then our own copy, then a uv on PATH that is not a pyenv shim, else install one."""
    if os.environ.get("UV"):
        return Path(os.environ["UV"])
    own = config.paths.tools / "uv" / "bin" / "uv"
    if own.exists() and _works(str(own)):
        return own
    on_path = shutil.which("uv")
    if on_path and "/shims/" not in on_path and _works(on_path):
        return Path(on_path)
    say(f"installing uv {UV_VERSION} into {own.parents[1]}")
    target = own.parents[1]
    shutil.rmtree(target, ignore_errors=True)
    pip = [
        str(python),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--root-user-action=ignore",
    ]
    run(
        [*pip, "--no-warn-script-location", "--target", str(target), f"uv=={UV_VERSION}"],
        what="pip install uv",
    )
    if not (own.exists() and _works(str(own))):
        raise StackError(f"uv was installed but {own} does not run")
    return own


def sync_venv(config: StackConfig, uv: Path, python: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    argv = [str(uv), "sync", "--frozen", "--python", str(python)]
    run(argv, what="uv sync (the lock file must match pyproject.toml)", cwd=config.paths.repo, env=env)


def kafka_libs_dir(config: StackConfig) -> Path:
    digest = hashlib.sha256(KAFKA_POM.read_bytes()).hexdigest()[:12]
    return config.paths.cache / f"kafka-{digest}" / "libs"


def kafka_libs(config: StackConfig) -> Path:
    libs = kafka_libs_dir(config)
    if not (libs.parent / ".complete").exists():
        raise StackError("Kafka jars are not fetched; run `make provision`")
    return libs


def ensure_kafka_jars(config: StackConfig) -> Path:
    libs = kafka_libs_dir(config)
    done = libs.parent / ".complete"
    if done.exists():
        return libs
    say(f"fetching Kafka jars with Maven into {libs}")
    shutil.rmtree(libs.parent, ignore_errors=True)
    libs.mkdir(parents=True)
    shutil.copy(KAFKA_POM, libs.parent / "pom.xml")
    argv = [
        "mvn",
        "-q",
        "-B",
        "dependency:copy-dependencies",
        f"-DoutputDirectory={libs}",
        "-DincludeScope=runtime",
    ]
    run(argv, what="Maven fetch of Kafka", cwd=libs.parent, quiet=True)
    if not any(libs.glob("kafka_2.13-*.jar")):
        raise StackError(f"Maven finished but no Kafka jar is in {libs}")
    done.write_text("ok\n")
    return libs


def provision(config: StackConfig, *, venv_only: bool = False, k8s_tools: bool = False) -> None:
    """What the stack needs to run; with ``k8s_tools``, also what the Kubernetes manifests' tests need
    (Go and a JDK 21+ build those, so `make up` does not ask for them)."""
    config.paths.make_dirs()
    python = find_python312()
    uv = ensure_uv(config, python)
    sync_venv(config, uv, python)
    if venv_only:
        return
    ensure_system_packages()
    ensure_kafka_jars(config)
    if not k8s_tools:
        say("provisioned: venv, system packages, Kafka jars")
        return
    # kustomize, the operators' CRDs and checkov, for the Kubernetes manifests' tests (deploy/k8s).
    ensure_k8s_tools(config, uv, python)
    say("provisioned: venv, system packages, Kafka jars, Kubernetes tools")
