"""Reading an import file record by record: line ends, BOM, blank lines, quoted newlines, broken rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from switchyard.ingest.adapters.csv_source import Record, header_of, read_records


def _file(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "import.csv"
    path.write_bytes(content)
    return path


def _records(tmp_path: Path, content: bytes) -> list[Record]:
    return list(read_records(_file(tmp_path, content)))


@pytest.mark.parametrize("newline", [b"\r\n", b"\n", b"\r"], ids=["crlf", "lf", "cr"])
def test_every_line_end_gives_the_same_records(tmp_path, newline):
    content = newline.join([b"email,username", b"a@example.com,ann", b"b@example.com,bob", b""])

    assert _records(tmp_path, content) == [
        Record(2, ["a@example.com", "ann"]),
        Record(3, ["b@example.com", "bob"]),
    ]


def test_mixed_line_ends_and_no_final_newline(tmp_path):
    content = b"email,username\r\na@example.com,ann\nb@example.com,bob\rc@example.com,cy"

    assert [record.row_number for record in _records(tmp_path, content)] == [2, 3, 4]


def test_a_bom_is_skipped(tmp_path):
    path = _file(tmp_path, b"\xef\xbb\xbfEmail,Username\na@example.com,ann\n")

    assert header_of(path) == ["Email", "Username"]
    assert list(read_records(path)) == [Record(2, ["a@example.com", "ann"])]


def test_blank_lines_are_skipped_but_keep_their_number(tmp_path):
    content = b"email,username\n\na@example.com,ann\n,\n\r\nb@example.com,bob\n"

    assert _records(tmp_path, content) == [
        Record(3, ["a@example.com", "ann"]),
        Record(6, ["b@example.com", "bob"]),
    ]


def test_a_quoted_newline_is_inside_one_record_and_numbers_count_records(tmp_path):
    content = b'email,username,full_name\na@example.com,ann,"Ann\r\nBee"\n"b@example.com",bob,"Bob, ""B"""\n'

    assert _records(tmp_path, content) == [
        Record(2, ["a@example.com", "ann", "Ann\r\nBee"]),
        Record(3, ["b@example.com", "bob", 'Bob, "B"']),
    ]


def test_ragged_rows_keep_their_cells(tmp_path):
    content = b"email,username\na@example.com\nb@example.com,bob,extra\n"

    assert _records(tmp_path, content) == [
        Record(2, ["a@example.com"]),
        Record(3, ["b@example.com", "bob", "extra"]),
    ]


@pytest.mark.parametrize("quoted", [False, True])
def test_a_1mb_field_is_an_unreadable_record_and_reading_goes_on(tmp_path, quoted):
    big = b"x" * 1_000_000
    cell = b'"' + big + b'"' if quoted else big
    content = b"email,username,full_name\na@example.com,ann," + cell + b"\nb@example.com,bob,B\n"

    assert _records(tmp_path, content) == [
        Record(2, [], "A cell is longer than 131,072 characters."),
        Record(3, ["b@example.com", "bob", "B"]),
    ]


def test_invalid_utf8_becomes_surrogates_and_reading_goes_on(tmp_path):
    content = b"email,username\na@example.com,al\xffx\nb@example.com,bob\n"

    assert _records(tmp_path, content) == [
        Record(2, ["a@example.com", "al\udcffx"]),
        Record(3, ["b@example.com", "bob"]),
    ]


def test_nul_bytes_are_kept_in_cells(tmp_path):
    content = b"email,username\na\x00@example.com,ann\n"

    assert _records(tmp_path, content) == [Record(2, ["a\x00@example.com", "ann"])]


def test_a_header_only_file_and_an_empty_file_have_no_records(tmp_path):
    assert _records(tmp_path, b"email,username\n") == []
    empty = _file(tmp_path, b"")
    assert list(read_records(empty)) == []
    assert header_of(empty) == []


def test_an_unterminated_quote_runs_to_the_end_of_the_file(tmp_path):
    content = b'email,username,full_name\na@example.com,ann,"Ann\nb@example.com,bob,B\n'

    assert _records(tmp_path, content) == [
        Record(2, ["a@example.com", "ann", "Ann\nb@example.com,bob,B\n"]),
    ]
