"""The test file generator: counts, determinism, and that every row is what it claims to be."""

from __future__ import annotations

import csv
import itertools
from collections import Counter
from pathlib import Path

import pytest

from switchyard.cli import generate as gen
from switchyard.cli.names import FIRST, LAST
from switchyard.cli.rules import (
    email_valid,
    full_name_valid,
    normalize_email,
    role_valid,
    row_valid,
    username_valid,
)

FORMULA_STARTS = ("=", "+", "-", "@")


def classify(path: Path) -> tuple[Counter[str], list[int]]:
    """Re-derive each row's kind from the rules alone; return the kind counts and the bad row indexes."""
    kinds: Counter[str] = Counter()
    bad_at: list[int] = []
    emails: set[str] = set()
    usernames: set[str] = set()
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        assert next(reader) == list(gen.HEADER)
        for index, (email, username, full_name, role) in enumerate(reader):
            kind = _row_kind(email, username, full_name, role, emails, usernames)
            kinds[kind] += 1
            if kind not in (gen.GOOD, gen.FORMULA_NAME):
                bad_at.append(index)
    return kinds, bad_at


def _row_kind(
    email: str, username: str, full_name: str, role: str, emails: set[str], usernames: set[str]
) -> str:
    if not email.strip():
        return "empty_email"
    if not email_valid(email):
        return "invalid_email"
    if not username.strip():
        return "empty_username"
    if not username_valid(username):
        return "invalid_username"
    if not role_valid(role):
        return "unknown_role"
    if not full_name_valid(full_name):
        return "control_char_name"
    if normalize_email(email) in emails:
        return "duplicate_email"
    if username.lower() in usernames:
        return "duplicate_username"
    emails.add(normalize_email(email))
    usernames.add(username.lower())
    return gen.FORMULA_NAME if full_name.startswith(FORMULA_STARTS) else gen.GOOD


def test_plan_spreads_bad_rows_over_every_kind() -> None:
    counts = gen.plan(1000, 0.03)

    assert counts.bad_total == 30
    assert sorted(counts.bad.values()) == [3, 3, 4, 4, 4, 4, 4, 4]
    assert set(counts.bad) == set(gen.BAD_KINDS)
    assert counts.good + counts.formula_names + counts.bad_total == 1000
    assert counts.formula_names == 1


@pytest.mark.parametrize(
    ("rows", "share", "bad_total"),
    [(0, 0.03, 0), (1, 0.5, 0), (3, 0.5, 1), (10, 0.0, 0), (100_000, 0.5, 50_000)],
)
def test_plan_keeps_at_least_half_the_rows_good(rows: int, share: float, bad_total: int) -> None:
    counts = gen.plan(rows, share)

    assert counts.bad_total == bad_total
    assert counts.good + counts.formula_names + counts.bad_total == rows


def test_written_file_matches_the_plan_row_by_row(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"

    counts = gen.write_csv(path, 2000, bad_share=0.05, seed=3)
    kinds, _ = classify(path)

    assert counts == gen.plan(2000, 0.05)
    assert kinds[gen.GOOD] == counts.good
    assert kinds[gen.FORMULA_NAME] == counts.formula_names >= 1
    assert {kind: kinds[kind] for kind in gen.BAD_KINDS} == counts.bad
    assert all(counts.bad[kind] > 0 for kind in gen.BAD_KINDS)


def test_bad_rows_are_spread_evenly_after_a_good_first_row(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"

    gen.write_csv(path, 10_000, bad_share=0.03, seed=1)
    _, bad_at = classify(path)

    gaps = [b - a for a, b in itertools.pairwise(bad_at)]
    assert bad_at[0] > 0
    assert len(bad_at) == 300
    assert min(gaps) >= 33
    assert max(gaps) <= 34


def test_same_seed_same_file_other_seed_other_file(tmp_path: Path) -> None:
    first, second, third = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"

    gen.write_csv(first, 500, bad_share=0.1, seed=42)
    gen.write_csv(second, 500, bad_share=0.1, seed=42)
    gen.write_csv(third, 500, bad_share=0.1, seed=43)

    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != third.read_bytes()


def test_file_is_utf8_with_lf_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"

    gen.write_csv(path, 300, bad_share=0.0, seed=5, domain="corp.example")
    data = path.read_bytes()

    assert data.startswith(b"email,username,full_name,role\n")
    assert b"\r\n" not in data
    assert data.count(b"\n") == 301
    assert "@corp.example" in data.decode("utf-8")


def test_formula_leading_names_are_valid_rows(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"

    counts = gen.write_csv(path, 50_000, bad_share=0.0, seed=9)
    kinds, bad_at = classify(path)

    assert counts.formula_names == 5
    assert kinds[gen.FORMULA_NAME] == 5
    assert bad_at == []


def test_usernames_fit_even_for_huge_row_numbers() -> None:
    longest = max(len(s) for _, s in FIRST) + 1 + max(len(s) for _, s in LAST) + len(str(10**12 - 1))

    assert longest <= 32
    assert all(username_valid(f"{f}.{last}{10**12 - 1}") for _, f in FIRST for _, last in LAST)


@pytest.mark.parametrize(
    ("email", "username", "full_name", "role", "valid"),
    [
        (" Ada@Example.TEST ", "Ada_L", "Ada Lovelace", " Admin ", True),
        ("ada@example.test", "ada", "", "", True),
        ("ada@example.test", "ada", '=HYPERLINK("http://x","y")', "user", True),
        ("ada@localhost", "ada", "Ada", "user", False),
        ("ada@example.test", "ad", "Ada", "user", False),
        ("ada@example.test", "bad name!", "Ada", "user", False),
        ("ada@example.test", "ada", "Ada\x07L", "user", False),
        ("ada@example.test", "ada", "A" * 201, "user", False),
        ("ada@example.test", "ada", "Ada", "superuser", False),
        ("a" * 65 + "@example.test", "ada", "Ada", "user", False),
    ],
)
def test_row_rules(email: str, username: str, full_name: str, role: str, valid: bool) -> None:
    assert row_valid(email, username, full_name, role) is valid
