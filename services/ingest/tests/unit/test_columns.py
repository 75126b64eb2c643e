"""Which header cell holds which field: names trimmed and case-insensitive, a mapping for other names."""

from __future__ import annotations

import pytest

from switchyard.ingest.domain.columns import Columns, HeaderRejected, resolve_columns


def _rejected(header: list[str], mapping: dict[str, str] | None = None) -> HeaderRejected:
    with pytest.raises(HeaderRejected) as caught:
        resolve_columns(header, mapping)
    return caught.value


def test_the_required_columns_alone():
    assert resolve_columns(["email", "username"]) == Columns(
        email=0, username=1, full_name=None, role=None, width=2
    )


def test_every_column_in_any_order():
    assert resolve_columns(["role", "full_name", "username", "email"]) == Columns(
        email=3, username=2, full_name=1, role=0, width=4
    )


def test_names_are_trimmed_and_case_insensitive():
    assert resolve_columns([" Email ", "USERNAME", "\tFull_Name", "Role "]) == Columns(
        email=0, username=1, full_name=2, role=3, width=4
    )


@pytest.mark.parametrize(
    ("header", "missing"),
    [(["email"], ["username"]), (["username", "full_name"], ["email"]), (["role"], ["email", "username"])],
)
def test_a_missing_required_column_is_named(header, missing):
    rejected = _rejected(header)

    assert rejected.errors[-len(missing) :] == [
        {"path": f"header.{field}", "message": f"Required column {field!r} is missing."} for field in missing
    ]
    assert str(rejected).startswith(f"Missing required column(s): {', '.join(missing)}.")


def test_unknown_columns_are_named_as_written():
    rejected = _rejected(["email", "username", " Phone ", "dept"])

    assert rejected.errors == [
        {"path": "header.Phone", "message": "Unknown column 'Phone'."},
        {"path": "header.dept", "message": "Unknown column 'dept'."},
    ]
    assert str(rejected) == (
        "Unknown column(s): Phone, dept. Columns are email, username (required) and full_name, role;"
        " or send a mapping."
    )


def test_missing_and_unknown_together_name_both():
    rejected = _rejected(["mail", "username"])

    assert [error["path"] for error in rejected.errors] == ["header.mail", "header.email"]
    assert str(rejected).startswith("Missing required column(s): email; unknown column(s): mail.")


def test_a_field_given_twice_is_refused():
    rejected = _rejected(["email", "username", "EMAIL"])

    assert rejected.errors == [{"path": "header.email", "message": "Column for 'email' given twice."}]


def test_a_mapping_renames_file_columns_to_fields():
    mapping = {"E-Mail": "email", "Login": "username", "Name": "full_name"}

    assert resolve_columns(["E-Mail", "Login", "Name"], mapping) == Columns(
        email=0, username=1, full_name=2, role=None, width=3
    )


def test_a_mapping_is_case_insensitive_on_both_sides():
    assert resolve_columns([" e-mail", "LOGIN"], {"E-MAIL": "Email", "login": " USERNAME "}) == Columns(
        email=0, username=1, full_name=None, role=None, width=2
    )


def test_unmapped_columns_must_still_be_field_names():
    assert resolve_columns(["Mail", "username", "role"], {"Mail": "email"}).role == 2
    rejected = _rejected(["Mail", "username", "Team"], {"Mail": "email"})
    assert rejected.errors == [{"path": "header.Team", "message": "Unknown column 'Team'."}]


def test_a_mapping_onto_a_column_the_file_also_has_is_a_field_given_twice():
    rejected = _rejected(["email", "mail", "username"], {"mail": "email"})

    assert rejected.errors == [{"path": "header.mail", "message": "Column for 'email' given twice."}]


def test_a_mapping_target_that_is_no_field_is_refused():
    rejected = _rejected(["E-Mail", "Login"], {"E-Mail": "email", "Login": "login"})

    assert rejected.errors[0] == {"path": "mapping.login", "message": "Unknown field 'login'."}
    assert {"path": "header.username", "message": "Required column 'username' is missing."} in rejected.errors
