"""What a graceful shutdown must not do, checked on the outcome of a shutdown drill."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from uuid import UUID

import httpx

PHASES = (
    "shutdown: draining",
    "shutdown: http stopped",
    "shutdown: consumers stopped",
    "shutdown: outbox relay stopped",
)
# Lines meaning a phase ran out of time and work was cut short.
CUT_SHORT = ("timeout graceful shutdown exceeded", "still busy at shutdown", "still sending at stop")


@dataclass
class DrillOutcome:
    """What the clients got, how the processes ended, and where every event went."""

    actions: int = 0
    answers: list[httpx.Response] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    slow: httpx.Response | str | None = None
    not_ready: httpx.Response | None = None
    exit_status: int | None = None
    restart_exit_status: int | None = None
    output: str = ""
    applied_at_exit: int = 0
    committed_at_exit: int = 0
    members_at_exit: int = -1
    published: list[UUID] = field(default_factory=list)
    applied: list[UUID] = field(default_factory=list)
    outbox_written: list[UUID] = field(default_factory=list)
    relayed: list[UUID] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Everything a graceful shutdown must not do that happened, and what shows the drill did nothing."""
        found = [*self.failures]
        found += [
            f"{a.request.method} {a.request.url.path}: {a.status_code}"
            for a in self.answers
            if not a.is_success
        ]
        if not isinstance(self.slow, httpx.Response) or not self.slow.is_success:
            found.append(f"request in flight at the listener's close: {self.slow!r}")
        if _detail(self.not_ready) != (503, "shutting down"):
            found.append(f"readiness did not answer 503 'shutting down': {_detail(self.not_ready)}")
        for name, status in (("first", self.exit_status), ("restarted", self.restart_exit_status)):
            if status != 0:
                found.append(f"{name} process: exit status {status} (None: still running at the bound)")
        found += _phase_problems(self.output)
        if self.committed_at_exit != self.applied_at_exit:
            found.append(f"at exit {self.applied_at_exit} events applied, {self.committed_at_exit} committed")
        if self.members_at_exit != 0:
            found.append(f"{self.members_at_exit} consumer(s) still in the group after exit")
        if sorted(self.applied) != sorted(self.published):
            found.append(f"published {len(self.published)} events, applied {len(self.applied)}")
        relayed, written = Counter(self.relayed), Counter(self.outbox_written)
        if relayed != written:
            doubled = sum(1 for count in relayed.values() if count > 1)
            found.append(f"outbox wrote {len(written)}, Kafka has {len(relayed)} ({doubled} doubled)")
        if self.actions < 2 or len(self.published) < 10:
            found.append(f"too little load: {self.actions} actions, {len(self.published)} events")
        return found

    def log_tail(self, lines: int = 40) -> str:
        """The end of the first process's log: its shutdown, for an assertion message."""
        return "\n".join(self.output.splitlines()[-lines:])


def _detail(response: httpx.Response | None) -> tuple[int, object] | None:
    return None if response is None else (response.status_code, response.json().get("detail"))


def _phase_problems(output: str) -> list[str]:
    positions = [output.find(f'"{phase}"') for phase in PHASES]
    found = [f"no {phase!r} line" for phase, at in zip(PHASES, positions, strict=True) if at < 0]
    if not found and positions != sorted(positions):
        found.append(f"phases out of order: {positions}")
    return found + [f"log says {line!r}" for line in CUT_SHORT if line in output]
