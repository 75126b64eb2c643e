"""Write a realistic import CSV with a known share of bad rows, spread evenly through the file."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from switchyard.cli.names import FIRST, LAST

HEADER = ("email", "username", "full_name", "role")
BAD_KINDS = (
    "invalid_email",
    "empty_email",
    "invalid_username",
    "empty_username",
    "unknown_role",
    "duplicate_email",
    "duplicate_username",
    "control_char_name",
)
GOOD = "good"
# Valid data: a formula-leading name must be accepted; it is only escaped in error CSV exports.
FORMULA_NAME = "formula_name"
MAX_BAD_SHARE = 0.5
FORMULA_EVERY = 10_000
DUPLICATE_POOL = 4096

INVALID_EMAILS = ("not-an-email", "two@@example.test", "no-dot@localhost", "has space@example.test")
INVALID_USERNAMES = ("x", "bad name!", "ab", "slash/name", "y" * 33)
CONTROL_CHARS = ("\x07", "\t", "\x1b")
FORMULAS = ('=HYPERLINK("http://evil.test","{name}")', "+{name}", "-{name}", "@SUM(1+1)*{name}")
# Cumulative role weights: mostly users; an empty role means "user".
ROLES = ((0.86, "user"), (0.88, ""), (0.96, "moderator"), (1.0, "admin"))

Row = tuple[str, str, str, str]


@dataclass(frozen=True, slots=True)
class GenerationCounts:
    """How many rows a file holds, of each kind."""

    rows: int
    good: int
    formula_names: int
    bad: dict[str, int] = field(default_factory=dict)

    @property
    def bad_total(self) -> int:
        return sum(self.bad.values())


def plan(rows: int, bad_share: float) -> GenerationCounts:
    """The counts a file of `rows` rows gets for `bad_share`; pure, and what write_csv writes."""
    bad_total = min(round(rows * bad_share), rows // 2) if rows > 0 else 0
    per_kind, extra = divmod(bad_total, len(BAD_KINDS))
    bad = {kind: per_kind + (1 if k < extra else 0) for k, kind in enumerate(BAD_KINDS)}
    good = rows - bad_total
    formula = min(good, max(1, rows // FORMULA_EVERY)) if good else 0
    return GenerationCounts(rows=rows, good=good - formula, formula_names=formula, bad=bad)


def _pick_role(rng: random.Random) -> str:
    draw = rng.random()
    return next(role for limit, role in ROLES if draw < limit)


class _RowFactory:
    def __init__(self, rng: random.Random, domain: str) -> None:
        self._rng = rng
        self._domain = domain
        self._pool: list[tuple[str, str]] = []  # (email, username) of earlier good rows
        self._bad_seen = dict.fromkeys(BAD_KINDS, 0)
        self._formulas_seen = 0
        # Per file (per seed): files generated apart do not share usernames.
        self._tag = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(4))

    def good(self, index: int) -> Row:
        row = self._base(index)
        if len(self._pool) < DUPLICATE_POOL:
            self._pool.append((row[0], row[1]))
        else:
            self._pool[self._rng.randrange(DUPLICATE_POOL)] = (row[0], row[1])
        return row

    def formula(self, index: int) -> Row:
        email, username, name, role = self.good(index)
        template = FORMULAS[self._formulas_seen % len(FORMULAS)]
        self._formulas_seen += 1
        return email, username, template.format(name=name), role

    def bad(self, index: int, kind: str) -> Row:
        email, username, name, role = self._base(index)
        nth = self._bad_seen[kind]
        self._bad_seen[kind] = nth + 1
        match kind:
            case "invalid_email":
                email = INVALID_EMAILS[nth % len(INVALID_EMAILS)]
            case "empty_email":
                email = ""
            case "invalid_username":
                username = INVALID_USERNAMES[nth % len(INVALID_USERNAMES)]
            case "empty_username":
                username = ""
            case "unknown_role":
                role = "superuser"
            case "duplicate_email":
                email = self._rng.choice(self._pool)[0]
            case "duplicate_username":
                username = self._rng.choice(self._pool)[1]
            case "control_char_name":
                first, _, last = name.partition(" ")
                name = f"{first}{CONTROL_CHARS[nth % len(CONTROL_CHARS)]}{last}"
        return email, username, name, role

    def _base(self, index: int) -> Row:
        # The row index makes emails and usernames unique among good rows.
        first, first_slug = self._rng.choice(FIRST)
        last, last_slug = self._rng.choice(LAST)
        email = f"{first_slug}.{last_slug}.{index}@{self._domain}"
        username = f"{first_slug[:8]}.{last_slug[:8]}.{self._tag}{index}"
        return email, username, f"{first} {last}", _pick_role(self._rng)


def iter_rows(rows: int, *, bad_share: float, seed: int | None, domain: str) -> Iterator[tuple[str, Row]]:
    """Yield (kind, row): bad rows evenly spaced, cycling through BAD_KINDS; the first row is good."""
    counts = plan(rows, bad_share)
    bad_total, formulas = counts.bad_total, counts.formula_names
    factory = _RowFactory(random.Random(seed), domain)
    step = (counts.good + formulas) // formulas if formulas else 0
    bad_done = good_done = 0
    next_bad = rows // (2 * bad_total) if bad_total else rows
    for index in range(rows):
        if index == next_bad:
            kind = BAD_KINDS[bad_done % len(BAD_KINDS)]
            yield kind, factory.bad(index, kind)
            bad_done += 1
            next_bad = (2 * bad_done + 1) * rows // (2 * bad_total) if bad_done < bad_total else rows
            continue
        if step and good_done % step == step // 2 and good_done // step < formulas:
            yield FORMULA_NAME, factory.formula(index)
        else:
            yield GOOD, factory.good(index)
        good_done += 1


def write_csv(
    path: Path, rows: int, *, bad_share: float, seed: int | None = None, domain: str = "example.test"
) -> GenerationCounts:
    """Write the file (UTF-8, LF line ends) and return the counts of what was written."""
    tally = dict.fromkeys((GOOD, FORMULA_NAME, *BAD_KINDS), 0)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        for kind, row in iter_rows(rows, bad_share=bad_share, seed=seed, domain=domain):
            tally[kind] += 1
            writer.writerow(row)
    bad = {kind: tally[kind] for kind in BAD_KINDS}
    return GenerationCounts(rows=rows, good=tally[GOOD], formula_names=tally[FORMULA_NAME], bad=bad)


def counts_table(path: Path, counts: GenerationCounts) -> Table:
    table = Table(title=f"Wrote {counts.rows:,} rows to {escape(str(path))}", title_justify="left")
    table.add_column("kind")
    table.add_column("rows", justify="right")
    table.add_row("good", f"{counts.good:,}")
    table.add_row("good, formula-leading full_name", f"{counts.formula_names:,}")
    for kind, count in counts.bad.items():
        table.add_row(f"[red]bad[/]: {kind}", f"{count:,}")
    table.add_row("[bold]bad, total", f"[bold]{counts.bad_total:,}")
    return table
