"""Starting, tracking and stopping the stack's own processes through pid files."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config import StackError, StackPaths


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: Sequence[str]
    log: Path
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    cwd: Path | None = None
    user: str | None = None
    stop_signal: int = signal.SIGTERM
    stop_timeout: float = 15.0


@dataclass(frozen=True)
class ProcessRecord:
    """A pid alone can be reused; pid plus kernel start time names exactly one process."""

    pid: int
    start_time: str
    stop_signal: int
    stop_timeout: float


def _start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22 counted after the ")" that closes the command name, which may hold spaces.
    return stat.rsplit(")", 1)[1].split()[19]


def pid_file(paths: StackPaths, name: str) -> Path:
    return paths.run / f"{name}.pid"


def read_record(paths: StackPaths, name: str) -> ProcessRecord | None:
    try:
        data = json.loads(pid_file(paths, name).read_text())
        return ProcessRecord(
            pid=int(data["pid"]),
            start_time=str(data["start_time"]),
            stop_signal=int(data["stop_signal"]),
            stop_timeout=float(data["stop_timeout"]),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError):
        return None


def is_alive(record: ProcessRecord) -> bool:
    """True only while the very process we started is running (not a zombie, not a reused pid)."""
    if _start_time(record.pid) != record.start_time:
        return False
    try:
        state = Path(f"/proc/{record.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def running(paths: StackPaths, name: str) -> ProcessRecord | None:
    record = read_record(paths, name)
    if record is not None and is_alive(record):
        return record
    return None


def start(paths: StackPaths, spec: ProcessSpec) -> subprocess.Popen[bytes]:
    """Start in a new session so the process outlives `make`, and record it."""
    spec.log.parent.mkdir(parents=True, exist_ok=True)
    with spec.log.open("ab") as log:
        log.write(f"\n{START_MARKER}{time.strftime('%Y-%m-%dT%H:%M:%S')} starting {spec.name}\n".encode())
        log.flush()
        try:
            proc = subprocess.Popen(
                list(spec.argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=spec.cwd,
                env=dict(spec.env),
                user=spec.user,
                group=spec.user,
                extra_groups=[] if spec.user else None,
                start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            raise StackError(f"{spec.name}: cannot run {spec.argv[0]}: {exc}") from exc
    started = _start_time(proc.pid)
    if started is None:
        raise StackError(f"{spec.name} exited at once; see {spec.log}\n{tail(spec.log)}")
    record = {
        "pid": proc.pid,
        "start_time": started,
        "stop_signal": int(spec.stop_signal),
        "stop_timeout": spec.stop_timeout,
        "argv": list(spec.argv),
    }
    pid_file(paths, spec.name).write_text(json.dumps(record) + "\n")
    return proc


def _wait_gone(record: ProcessRecord, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_alive(record):
            return True
        time.sleep(0.1)
    return not is_alive(record)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def stop(paths: StackPaths, name: str) -> str:
    """Stop gracefully, then forcefully; only ever the recorded process and its own group."""
    record = read_record(paths, name)
    if record is None:
        pid_file(paths, name).unlink(missing_ok=True)
        return "not running"
    if not is_alive(record):
        pid_file(paths, name).unlink(missing_ok=True)
        return "was not running (stale pid file removed)"
    # The process leads its own group (start_new_session), so the group holds only its children.
    try:
        owns_group = os.getpgid(record.pid) == record.pid
        os.kill(record.pid, record.stop_signal)
    except ProcessLookupError:
        pid_file(paths, name).unlink(missing_ok=True)
        return "stopped"
    outcome = "stopped"
    if not _wait_gone(record, record.stop_timeout):
        with contextlib.suppress(ProcessLookupError):
            os.kill(record.pid, signal.SIGKILL)
        outcome = f"killed after {record.stop_timeout:.0f}s"
        _wait_gone(record, 5)
    if owns_group:
        _kill_group(record.pid)
    pid_file(paths, name).unlink(missing_ok=True)
    return outcome


START_MARKER = "=== "


def tail(path: Path, lines: int = 40, *, last_start_only: bool = False) -> str:
    """The log's last lines, indented; optionally only those written since the latest start."""
    try:
        content = path.read_bytes()[-64_000:].decode(errors="replace").splitlines()
    except OSError:
        return f"(no log at {path})"
    if last_start_only:
        starts = [i for i, line in enumerate(content) if line.startswith(START_MARKER)]
        content = content[starts[-1] :] if starts else content
    return "\n".join(f"    | {line}" for line in content[-lines:])
