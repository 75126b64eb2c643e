"""The header of an import file: which column holds which field (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

REQUIRED_FIELDS = ("email", "username")
OPTIONAL_FIELDS = ("full_name", "role")
FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS


class HeaderRejected(Exception):
    """The header cannot be imported; ``errors`` name each problem (a 422 before any row is read)."""

    def __init__(self, detail: str, errors: Sequence[dict[str, str]]) -> None:
        super().__init__(detail)
        self.errors = list(errors)


@dataclass(frozen=True, slots=True)
class Columns:
    """Positions of the fields in each row; ``width`` is how many cells a row must have."""

    email: int
    username: int
    full_name: int | None
    role: int | None
    width: int


def _name(cell: str) -> str:
    return cell.strip().lower()


def resolve_columns(header: Sequence[str], mapping: Mapping[str, str] | None = None) -> Columns:
    """Match header cells (trimmed, case-insensitive) to fields, through ``mapping`` when given.

    ``mapping`` maps a file column name to a field name; unmapped columns must be field names.
    """
    renames = {_name(column): _name(field) for column, field in (mapping or {}).items()}
    errors: list[dict[str, str]] = []
    for column, field in renames.items():
        if field not in FIELDS:
            errors.append({"path": f"mapping.{column}", "message": f"Unknown field {field!r}."})
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for index, cell in enumerate(header):
        column = _name(cell)
        field = renames.get(column, column)
        if field in positions:
            errors.append({"path": f"header.{column}", "message": f"Column for {field!r} given twice."})
        elif field in FIELDS:
            positions[field] = index
        else:
            unknown.append(cell.strip())
    for column in unknown:
        errors.append({"path": f"header.{column}", "message": f"Unknown column {column!r}."})
    missing = [field for field in REQUIRED_FIELDS if field not in positions]
    for field in missing:
        errors.append({"path": f"header.{field}", "message": f"Required column {field!r} is missing."})
    if errors:
        raise HeaderRejected(_summary(missing, unknown), errors)
    return Columns(
        email=positions["email"],
        username=positions["username"],
        full_name=positions.get("full_name"),
        role=positions.get("role"),
        width=len(header),
    )


def _summary(missing: list[str], unknown: list[str]) -> str:
    parts = []
    if missing:
        parts.append(f"missing required column(s): {', '.join(missing)}")
    if unknown:
        parts.append(f"unknown column(s): {', '.join(unknown)}")
    allowed = f"Columns are {', '.join(REQUIRED_FIELDS)} (required) and {', '.join(OPTIONAL_FIELDS)}"
    # Not str.capitalize(): it would lower-case the column names as well.
    problems = "; ".join(parts)
    return (problems[:1].upper() + problems[1:] + ". " if parts else "") + allowed + "; or send a mapping."
