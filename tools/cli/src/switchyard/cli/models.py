"""The gateway's import resources as the client reads them; unknown fields are ignored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled"})


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class ImportRead:
    id: str
    status: str
    filename: str | None = None
    dry_run: bool = False
    notify: bool = True
    total: int | None = None
    processed: int = 0
    succeeded: int = 0
    failed: int = 0
    percent: float | None = None
    rows_per_s: float | None = None
    eta_s: float | None = None
    error: str | None = None
    created_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportRead:
        return cls(
            id=str(data["id"]),
            status=str(data["status"]),
            filename=_str(data.get("filename")),
            dry_run=bool(data.get("dry_run", False)),
            notify=bool(data.get("notify", True)),
            total=_int(data.get("total")),
            processed=_int(data.get("processed")) or 0,
            succeeded=_int(data.get("succeeded")) or 0,
            failed=_int(data.get("failed")) or 0,
            percent=_float(data.get("percent")),
            rows_per_s=_float(data.get("rows_per_s")),
            eta_s=_float(data.get("eta_s")),
            error=_str(data.get("error")),
            created_at=_str(data.get("created_at")),
            started_at=_str(data.get("started_at")),
            finished_at=_str(data.get("finished_at")),
        )


@dataclass(frozen=True, slots=True)
class RowError:
    """One rejected row of an import, from GET /imports/{id}/errors."""

    row_number: int
    column: str | None
    code: str
    message: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RowError:
        return cls(
            row_number=int(data["row_number"]),
            column=_str(data.get("column")),
            code=str(data.get("code", "")),
            message=str(data.get("message", "")),
        )


@dataclass(frozen=True, slots=True)
class Upload:
    """The answer to an upload: the job, and whether it is an earlier job for the same file."""

    job: ImportRead
    reused: bool
    location: str | None
