"""Telling CSV from anything else by its declared type and first bytes, and reading its header."""

from __future__ import annotations

import pytest

from switchyard.ingest.domain.columns import HeaderRejected
from switchyard.ingest.domain.sniffing import NotCsv, check_is_csv, read_header

CSV = b"email,username\nann@example.com,ann\n"


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/csv",
        "text/plain",
        "text/x-csv",
        "application/csv",
        "application/vnd.ms-excel",
        "application/octet-stream",
    ],
)
def test_csv_under_any_type_a_browser_sends_for_it_is_accepted(content_type):
    check_is_csv(CSV, content_type)


@pytest.mark.parametrize("content_type", ["application/pdf", "image/png", "application/json", "text/html"])
def test_another_declared_type_is_refused(content_type):
    with pytest.raises(NotCsv, match=f"got {content_type}"):
        check_is_csv(CSV, content_type)


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"PK\x03\x04rest", "a ZIP archive (an .xlsx or .ods workbook?)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1", "an Office document (an .xls workbook?)"),
        (b"%PDF-1.4", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xff\xd8\xff\xe0", "a JPEG image"),
        (b"GIF89a", "a GIF image"),
        (b"\x1f\x8b\x08", "a gzip archive"),
        (b"\x7fELF\x02", "an executable"),
    ],
)
def test_known_binary_formats_are_named(head, what):
    with pytest.raises(NotCsv) as caught:
        check_is_csv(head + CSV, "text/csv")

    assert str(caught.value) == f"This file is {what}, not CSV. Export the sheet as CSV (UTF-8) first."


@pytest.mark.parametrize("bom", [b"\xff\xfe", b"\xfe\xff"])
def test_utf16_is_refused(bom):
    with pytest.raises(NotCsv, match="UTF-16"):
        check_is_csv(bom + "email,username".encode("utf-16-le"), "text/csv")


def test_bytes_full_of_control_characters_are_binary():
    with pytest.raises(NotCsv, match="looks binary"):
        check_is_csv(bytes(range(256)) * 4, "text/csv")


def test_a_few_nuls_in_text_are_left_to_the_row_checks():
    head = CSV * 20 + b"a\x00b@example.com,nul\n" * 3

    check_is_csv(head, "text/csv")


def test_tabs_and_line_ends_are_text():
    check_is_csv(b"email\tusername\r\n" * 200, "text/csv")


def test_an_empty_head_passes_to_the_header_check():
    check_is_csv(b"", None)


def test_the_header_and_that_rows_follow():
    assert read_header(CSV) == (["email", "username"], True)


def test_a_utf8_bom_is_not_part_of_the_first_name():
    assert read_header(b"\xef\xbb\xbfEmail,Username\r\nann@example.com,ann\r\n") == (
        ["Email", "Username"],
        True,
    )


def test_a_cr_only_file():
    assert read_header(b"email,username\rann@example.com,ann\r") == (["email", "username"], True)


@pytest.mark.parametrize(
    "head", [b"email,username", b"email,username\n", b"email,username\n\n\r\n", b"email,username\n,\n  ,  \n"]
)
def test_a_header_without_data_rows(head):
    assert read_header(head) == (["email", "username"], False)


def test_a_row_too_broken_to_read_still_counts_as_a_row():
    # The csv reader refuses a field over its limit; that row's error comes later, per row.
    assert read_header(b"email,username\n" + b"x" * 200_000) == (["email", "username"], True)


def test_a_head_cut_inside_a_row_still_has_rows():
    assert read_header(b'email,username\n"ann@example.com","an')[1] is True


@pytest.mark.parametrize("head", [b"", b"   ", b"\n\r\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n"])
def test_an_empty_file_is_refused(head):
    with pytest.raises(HeaderRejected) as caught:
        read_header(head)

    assert str(caught.value) == "The file is empty."
    assert caught.value.errors == [{"path": "file", "message": "The file is empty."}]


def test_a_header_that_is_not_utf8_is_refused():
    with pytest.raises(HeaderRejected) as caught:
        read_header(b"email,usern\xe4me\nann@example.com,ann\n")

    assert caught.value.errors == [
        {"path": "header", "message": "The header is not valid UTF-8; save the file as CSV (UTF-8)."}
    ]


def test_invalid_utf8_after_the_header_is_not_the_header_check():
    assert read_header(b"email,username\nann@example.com,\xff\n") == (["email", "username"], True)
