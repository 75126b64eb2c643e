"""One data row checked by the account rules: a row to send, or the first problem with it."""

from __future__ import annotations

import pytest

from switchyard.ingest.domain.columns import resolve_columns
from switchyard.ingest.domain.fingerprints import ClaimFilter
from switchyard.ingest.domain.rows import (
    MAX_CELL_CHARS,
    DuplicateCheck,
    RowError,
    ValidRow,
    check_row,
    identities_of,
)

COLUMNS = resolve_columns(["email", "username", "full_name", "role"])


def _check(*cells: str, row_number: int = 2) -> ValidRow | RowError:
    return check_row(row_number, list(cells), COLUMNS)


def _error(*cells: str) -> tuple[str | None, str, str | None]:
    checked = _check(*cells)
    assert isinstance(checked, RowError), checked
    return checked.column, checked.code, checked.value


def test_a_valid_row_is_normalised():
    assert _check("  Ann@Example.COM ", " Ann_B ", "  Ann Bee ", " Moderator ", row_number=7) == ValidRow(
        row_number=7, email="ann@example.com", username="ann_b", full_name="Ann Bee", role="moderator"
    )


def test_blank_optional_cells_are_none_and_the_user_role():
    assert _check("ann@example.com", "ann", "  ", "") == ValidRow(
        row_number=2, email="ann@example.com", username="ann", full_name=None, role="user"
    )


def test_a_file_without_optional_columns():
    columns = resolve_columns(["username", "email"])

    assert check_row(3, ["ann", "ann@example.com"], columns) == ValidRow(
        row_number=3, email="ann@example.com", username="ann", full_name=None, role="user"
    )


@pytest.mark.parametrize(
    "cells", [["a@example.com", "ann", "Ann"], ["a@example.com", "ann", "Ann", "user", "x"]]
)
def test_a_row_of_another_width_is_refused(cells):
    checked = _check(*cells)

    assert checked == RowError(
        2, None, "wrong-cell-count", f"Expected 4 cells as in the header, found {len(cells)}."
    )


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (("", "ann", "", ""), ("email", "missing", "")),
        (("  ", "ann", "", ""), ("email", "missing", "  ")),
        (("a@example.com", "", "", ""), ("username", "missing", "")),
        (("not-an-email", "ann", "", ""), ("email", "invalid", "not-an-email")),
        (("a@b@example.com", "ann", "", ""), ("email", "invalid", "a@b@example.com")),
        (("a@example.com", "an", "", ""), ("username", "invalid", "an")),
        (("a@example.com", "ann!", "", ""), ("username", "invalid", "ann!")),
        (("a@example.com", "ann", "", "root"), ("role", "invalid", "root")),
        (("a@example.com", "ann", "x" * 201, ""), ("full_name", "invalid", "x" * 200)),
        (("a@example.com", "ann", "Ann\nBee", ""), ("full_name", "invalid", "Ann\nBee")),
    ],
)
def test_a_field_breaking_the_rules_is_named_with_its_value(cells, expected):
    assert _error(*cells) == expected


def test_the_first_problem_wins():
    assert _error("bad", "x", "\x01", "root") == ("email", "invalid", "bad")


def test_the_quoted_value_is_cut_short():
    column, code, value = _error("a@example.com", "u" * 900, "", "")

    assert (column, code, value) == ("username", "invalid", "u" * 200)


def test_a_nul_is_quoted_back_as_a_replacement_character():
    # PostgreSQL text cannot hold NUL; the error row must still be storable.
    assert _error("a\x00b@example.com", "ann", "", "") == ("email", "invalid", "a\ufffdb@example.com")
    assert _error("a@example.com", "an\x00n", "", "") == ("username", "invalid", "an\ufffdn")
    assert _error("a@example.com", "ann", "A\x00", "") == ("full_name", "invalid", "A\ufffd")


def test_a_cell_longer_than_any_field_is_refused_without_further_checks():
    long = "y" * (MAX_CELL_CHARS + 1)

    assert _check("bad", "ann", long, "") == RowError(
        2, None, "cell-too-long", f"A cell is longer than {MAX_CELL_CHARS} characters."
    )
    assert _error("a@example.com", "ann", "y" * MAX_CELL_CHARS, "")[:2] == ("full_name", "invalid")


def test_a_cell_that_was_not_utf8_is_refused_without_quoting_it():
    # Bytes that were not UTF-8 arrive as lone surrogates (surrogateescape).
    assert _check("a@example.com", "ann", "Jos\udce9", "") == RowError(
        2, None, "invalid-encoding", "The row is not valid UTF-8.", None
    )


def test_non_ascii_utf8_is_fine():
    checked = _check("a@example.com", "ann", "Zoë Ångström", "")

    assert isinstance(checked, ValidRow)
    assert checked.full_name == "Zoë Ångström"


def _valid(row_number: int, email: str, username: str) -> ValidRow:
    return ValidRow(row_number=row_number, email=email, username=username, full_name=None, role="user")


def _claims(*rows: ValidRow, earlier: dict[int, int] | None = None):
    return DuplicateCheck(rows).claims(earlier or {})


def test_a_second_row_about_the_same_email_or_username_is_a_duplicate_naming_the_first():
    claims = _claims(
        _valid(2, "a@example.com", "ann"),
        _valid(3, "a@example.com", "bob"),
        _valid(4, "b@example.com", "ann"),
    )

    assert [row.row_number for row in claims.accepted] == [2]
    assert claims.duplicates == [
        RowError(3, "email", "duplicate", "This email appears on row 2 already.", "a@example.com"),
        RowError(4, "username", "duplicate", "This username appears on row 2 already.", "ann"),
    ]
    email, username = identities_of(_valid(2, "a@example.com", "ann"))
    assert claims.taken == [(email, 2), (username, 2)]


def test_a_refused_duplicate_claims_nothing():
    claims = _claims(
        _valid(2, "a@example.com", "ann"),
        _valid(3, "a@example.com", "bob"),
        _valid(4, "b@example.com", "bob"),
    )

    assert [row.row_number for row in claims.accepted] == [2, 4]
    assert [error.row_number for error in claims.duplicates] == [3]


def test_what_earlier_batches_claimed_refuses_a_row_and_names_theirs():
    email, _ = identities_of(_valid(0, "a@example.com", "x"))
    _, username = identities_of(_valid(0, "x", "bob"))

    claims = _claims(
        _valid(2001, "a@example.com", "ann"),
        _valid(2002, "c@example.com", "bob"),
        _valid(2003, "d@example.com", "dan"),
        earlier={email: 17, username: 1500},
    )

    assert [row.row_number for row in claims.accepted] == [2003]
    assert [(e.row_number, e.column, e.message) for e in claims.duplicates] == [
        (2001, "email", "This email appears on row 17 already."),
        (2002, "username", "This username appears on row 1500 already."),
    ]


def test_only_fingerprints_the_filter_cannot_rule_out_are_looked_up():
    first, second = _valid(2, "a@example.com", "ann"), _valid(3, "b@example.com", "bob")
    claimed = ClaimFilter()
    claimed.update(identities_of(first))
    check = DuplicateCheck([first, second])

    assert set(check.candidates(claimed)) == set(identities_of(first))


def test_an_email_and_a_username_that_read_the_same_do_not_collide():
    claims = _claims(_valid(2, "same.name", "a.b"), _valid(3, "a.b", "same.name"))

    assert [row.row_number for row in claims.accepted] == [2, 3]
    assert claims.duplicates == []
