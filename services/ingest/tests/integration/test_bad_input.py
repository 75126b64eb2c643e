"""Bad input: each a clear answer, never a 500, and never a valid row lost.

Files refused as a whole answer 413, 415 or 422 before any import exists; within an accepted
file every bad row is reported by its row number (the header is row 1) while every good row
is still sent to auth and the import completes with exact counts.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

pytestmark = pytest.mark.integration

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)
XLSX = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + b"[Content_Types].xml" + bytes(200)


async def _imports_listed(app) -> list[str]:
    response = await app.client.get("/", params={"limit": 100}, headers=app.admin())
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def _refused(app, content: bytes, status: int, **upload) -> Any:
    """Upload ``content``, expect a problem of ``status``, and that nothing was kept of it."""
    before = await _imports_listed(app)
    body = app.problem(await app.upload(content, **upload), status)
    assert await _imports_listed(app) == before
    assert app.leftover_uploads() == []
    return body


# --- files refused as a whole ---------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"\n", b"\r\n  \r\n", "\ufeff".encode()], ids=repr)
async def test_an_empty_file_is_422(module_ingest, content):
    body = await _refused(module_ingest, content, 422)

    assert body["detail"] == "The file is empty."
    assert body["errors"] == [{"path": "file", "message": "The file is empty."}]


@pytest.mark.parametrize(
    "content",
    [b"email,username", b"email,username\n", b"email,username\r\n\r\n\r\n", b"email,username\n,\n , \n"],
    ids=repr,
)
async def test_a_header_without_data_rows_is_422(module_ingest, content):
    body = await _refused(module_ingest, content, 422)

    assert body["title"] == "No data rows"
    assert body["detail"] == "The file has a header but no data rows."


async def test_a_missing_required_column_is_422_naming_it(module_ingest):
    app = module_ingest
    body = await _refused(app, app.csv("email,full_name", "a@example.com,Ann"), 422)

    assert body["title"] == "Unusable header"
    assert body["errors"] == [
        {"path": "header.username", "message": "Required column 'username' is missing."}
    ]
    assert body["detail"].startswith("Missing required column(s): username.")


async def test_missing_both_required_columns_names_both(module_ingest):
    app = module_ingest
    body = await _refused(app, app.csv("full_name,role", "Ann,user"), 422)

    assert [error["path"] for error in body["errors"]] == ["header.email", "header.username"]
    assert body["detail"].startswith("Missing required column(s): email, username.")


async def test_unknown_columns_are_422_naming_each(module_ingest):
    app = module_ingest
    content = app.csv("email,username, Phone ,department", "a@example.com,ann,123,sales")

    body = await _refused(app, content, 422)

    assert body["errors"] == [
        {"path": "header.Phone", "message": "Unknown column 'Phone'."},
        {"path": "header.department", "message": "Unknown column 'department'."},
    ]
    assert body["detail"].startswith("Unknown column(s): Phone, department.")


async def test_a_column_given_twice_is_422(module_ingest):
    app = module_ingest
    body = await _refused(app, app.csv("email,username,EMAIL", "a@example.com,ann,b@example.com"), 422)

    assert body["errors"] == [{"path": "header.email", "message": "Column for 'email' given twice."}]


async def test_an_invalid_utf8_header_is_422(module_ingest):
    app = module_ingest
    body = await _refused(app, b"email,user\xffname\na@example.com,ann\n", 422)

    assert body["errors"] == [
        {"path": "header", "message": "The header is not valid UTF-8; save the file as CSV (UTF-8)."}
    ]


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (PNG, "This file is a PNG image, not CSV."),
        (XLSX, "This file is a ZIP archive (an .xlsx or .ods workbook?), not CSV."),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "This file is a PDF document, not CSV."),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "This file is a gzip archive, not CSV."),
        (bytes(range(256)) * 16, "This file looks binary, not like CSV text."),
        (
            "email,username\na@example.com,ann\n".encode("utf-16"),
            "This file is UTF-16; save it as CSV (UTF-8).",
        ),
    ],
    ids=["png", "xlsx", "pdf", "gzip", "binary", "utf-16"],
)
async def test_a_binary_file_named_csv_is_415(module_ingest, content, detail):
    body = await _refused(module_ingest, content, 415, filename="people.csv", content_type="text/csv")

    assert body["title"] == "Not a CSV file"
    assert body["detail"].startswith(detail)


async def test_a_declared_non_csv_content_type_is_415(module_ingest):
    app = module_ingest
    content = app.csv("email,username", "a@example.com,ann")

    body = await _refused(app, content, 415, filename="people.pdf", content_type="application/pdf")

    assert body["detail"] == "Expected a CSV file (text/csv), got application/pdf."


async def test_an_upload_over_the_limit_is_413_and_nothing_is_kept(start_ingest):
    app = await start_ingest(max_upload_bytes=64 * 1024)
    line = "a" * 99 + "\n"
    streamed = ("email,username\n" + line * 1024).encode()  # 100 KiB: refused while it streams in
    declared = ("email,username\n" + line * 30 * 1024).encode()  # 3 MiB: refused by its Content-Length

    for content in (streamed, declared):
        body = await _refused(app, content, 413)
        assert body["max_bytes"] == 64 * 1024
        assert body["detail"] == "The file is larger than the limit of 65,536 bytes."

    assert await _imports_listed(app) == []


async def test_a_file_of_exactly_the_limit_is_accepted(start_ingest):
    app = await start_ingest(max_upload_bytes=64 * 1024)
    (email, username), *_ = app.people(1)
    head = app.csv("email,username,full_name", f"{email},{username},")
    content = head[:-1] + b"x" * (64 * 1024 - len(head)) + b"\n"
    assert len(content) == 64 * 1024

    job = await app.start(content)

    assert job["size_bytes"] == 64 * 1024


# --- files accepted, bad rows reported, good rows sent --------------------------------------


async def _sent(app, job) -> dict[int, tuple[str, str, str | None]]:
    """Row number -> (email, username, full_name) of every row sent to auth."""
    return {
        row.row_number: (row.email, row.username, row.full_name) for row in await app.sent_rows(job["id"])
    }


async def _errors(app, job) -> list[tuple[int, str | None, str]]:
    return [(e["row_number"], e["column"], e["code"]) for e in await app.errors(job["id"])]


async def _completes(app, job, *, total: int, succeeded: int, failed: int) -> Any:
    done = await app.answer_all(job["id"])
    assert (done["total"], done["processed"], done["succeeded"], done["failed"]) == (
        total,
        total,
        succeeded,
        failed,
    )
    assert done["percent"] == 100.0
    return done


async def test_a_utf8_bom_and_a_header_in_any_case_and_padding_import(module_ingest):
    app = module_ingest
    (a, ua), (b, ub) = app.people(2)
    content = "\ufeff Email ,USERNAME,  Full_Name\r\n".encode() + app.csv(f"{a},{ua},Ann", f"{b},{ub},Bob")

    job = await app.start(content)

    assert await _sent(app, job) == {2: (a, ua, "Ann"), 3: (b, ub, "Bob")}
    assert await _errors(app, job) == []
    await _completes(app, job, total=2, succeeded=2, failed=0)


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "cr"])
async def test_every_line_end_keeps_row_numbers(module_ingest, newline):
    app = module_ingest
    (a, ua), (b, ub), (c, uc) = app.people(3)
    # Row 4 is blank: skipped, yet row 5 keeps its number.
    content = app.csv(
        "email,username", f"{a},{ua}", "not-an-email,someone", "", f"{b},{ub}", f"{c},{uc}", newline=newline
    )

    job = await app.start(content)

    assert await _sent(app, job) == {2: (a, ua, None), 5: (b, ub, None), 6: (c, uc, None)}
    assert await _errors(app, job) == [(3, "email", "invalid")]
    await _completes(app, job, total=4, succeeded=3, failed=1)


async def test_a_quoted_field_with_newlines_is_one_row(module_ingest):
    app = module_ingest
    (a, ua), (b, ub), (c, uc) = app.people(3)
    content = (
        "email,username,full_name\n"
        f'{a},{ua},"Ann\nSmith"\n'  # row 2: one record over two lines; a newline is no name
        f'"{b}",{ub},"Bob, ""Jr"""\n'  # row 3: quoted comma and quotes
        f"{c},{uc},Cy\n"  # row 4
    ).encode()

    job = await app.start(content)

    assert await _sent(app, job) == {3: (b, ub, 'Bob, "Jr"'), 4: (c, uc, "Cy")}
    (error,) = await app.errors(job["id"])
    assert error == {
        "row_number": 2,
        "column": "full_name",
        "code": "invalid",
        "message": "Full name must not contain control characters.",
        "value": "Ann\nSmith",
    }
    await _completes(app, job, total=3, succeeded=2, failed=1)


async def test_ragged_rows_are_refused_and_the_others_sent(module_ingest):
    app = module_ingest
    (a, ua), (b, ub), (c, uc), (d, ud) = app.people(4)
    content = app.csv(
        "email,username,full_name", f"{a},{ua},Ann", f"{b},{ub}", f"{c},{uc},Cy,extra", f"{d},{ud},Di"
    )

    job = await app.start(content)

    assert await _sent(app, job) == {2: (a, ua, "Ann"), 5: (d, ud, "Di")}
    errors = await app.errors(job["id"])
    assert [(e["row_number"], e["column"], e["code"], e["message"]) for e in errors] == [
        (3, None, "wrong-cell-count", "Expected 3 cells as in the header, found 2."),
        (4, None, "wrong-cell-count", "Expected 3 cells as in the header, found 4."),
    ]
    await _completes(app, job, total=4, succeeded=2, failed=2)


async def test_a_1mb_field_is_refused_and_the_rows_around_it_sent(module_ingest):
    app = module_ingest
    (a, ua), (b, ub), (c, uc), (d, ud) = app.people(4)
    content = app.csv(
        "email,username,full_name",
        f"{a},{ua},Ann",
        f"{b},{ub}," + "x" * 1_000_000,  # row 3: over the csv reader's field limit
        f"{c},{uc}," + "y" * 5_000,  # row 4: readable, but longer than any field allows
        f"{d},{ud},Di",
    )

    job = await app.start(content)

    assert await _sent(app, job) == {2: (a, ua, "Ann"), 5: (d, ud, "Di")}
    errors = await app.errors(job["id"])
    assert [(e["row_number"], e["column"], e["code"], e["message"], e["value"]) for e in errors] == [
        (3, None, "unreadable", "A cell is longer than 131,072 characters.", None),
        (4, None, "cell-too-long", "A cell is longer than 1000 characters.", None),
    ]
    await _completes(app, job, total=4, succeeded=2, failed=2)


async def test_nul_bytes_are_row_errors_and_the_import_completes(module_ingest):
    app = module_ingest
    (a, ua), (b, ub) = app.people(2)
    content = (
        b"email,username,full_name\n"
        + f"{a},{ua},Ann\n".encode()
        + b"x\x00y@example.com,nul_email,X\n"
        + b"z@example.com,nul\x00name,Z\n"
        + b"w@example.com,nul_fullname,W\x00W\n"
        + f"{b},{ub},Bob\n".encode()
    )

    job = await app.start(content)

    assert await _sent(app, job) == {2: (a, ua, "Ann"), 6: (b, ub, "Bob")}
    errors = await app.errors(job["id"])
    # The NUL cannot be stored (nor shown) as such: it is quoted back as U+FFFD.
    assert [(e["row_number"], e["column"], e["code"], e["value"]) for e in errors] == [
        (3, "email", "invalid", "x\ufffdy@example.com"),
        (4, "username", "invalid", "nul\ufffdname"),
        (5, "full_name", "invalid", "W\ufffdW"),
    ]
    await _completes(app, job, total=5, succeeded=2, failed=3)


async def test_invalid_utf8_rows_are_refused_and_the_others_sent(module_ingest):
    app = module_ingest
    (a, ua), (b, ub) = app.people(2)
    content = (
        b"email,username,full_name\n"
        + f"{a},{ua},Ann\n".encode()
        + b"c@example.com,cee,Jos\xe9\n"  # Latin-1, not UTF-8
        + b"\xff\xfe@example.com,dee,D\n"
        + f"{b},{ub},Zo\u00eb\n".encode()  # UTF-8 proper
    )

    job = await app.start(content)

    assert await _sent(app, job) == {2: (a, ua, "Ann"), 5: (b, ub, "Zo\u00eb")}
    errors = await app.errors(job["id"])
    assert [(e["row_number"], e["column"], e["code"], e["message"], e["value"]) for e in errors] == [
        (3, None, "invalid-encoding", "The row is not valid UTF-8.", None),
        (4, None, "invalid-encoding", "The row is not valid UTF-8.", None),
    ]
    await _completes(app, job, total=4, succeeded=2, failed=2)


async def test_ten_thousand_copies_of_one_email_send_one_row(module_ingest):
    app = module_ingest
    (email, username), *_ = app.people(1)
    content = app.csv("email,username", *[f"{email},{username}"] * 10_000)

    job = await app.start(content)

    assert await _sent(app, job) == {2: (email, username, None)}
    errors = await app.errors(job["id"])
    assert len(errors) == 9_999
    assert [e["row_number"] for e in errors] == list(range(3, 10_002))
    assert {(e["column"], e["code"], e["message"], e["value"]) for e in errors} == {
        ("email", "duplicate", "This email appears on row 2 already.", email)
    }
    # The download holds them all (it reads the errors a thousand at a time).
    download = await app.client.get(f"/{job['id']}/errors", params={"format": "csv"}, headers=app.admin())
    _, *rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert [int(row[0]) for row in rows] == list(range(3, 10_002))
    await _completes(app, job, total=10_000, succeeded=1, failed=9_999)


async def test_duplicates_are_found_after_normalising(module_ingest):
    app = module_ingest
    (a, ua), (b, _) = app.people(2)
    content = app.csv("email,username", f"{a},{ua}", f" {a.upper()} ,other_{ua}", f"{b},{ua.upper()}")

    job = await app.start(content)

    assert await _sent(app, job) == {2: (a, ua, None)}
    assert await _errors(app, job) == [(3, "email", "duplicate"), (4, "username", "duplicate")]
    await _completes(app, job, total=3, succeeded=1, failed=2)


async def test_formula_leading_cells_are_kept_as_data_and_escaped_in_the_error_download(module_ingest):
    app = module_ingest
    (a, ua), (b, ub) = app.people(2)
    content = app.csv(
        "email,username,full_name",
        f'{a},{ua},=HYPERLINK("http://evil";"x")',  # a valid name: sent exactly as written
        "b@example.com,=cmd|' /C calc'!A0,B",
        "c@example.com,@SUM(1+1),C",
        "d@example.com,+1-2,D",
        f"{b},{ub},-Di",
    )

    job = await app.start(content)

    assert await _sent(app, job) == {2: (a, ua, '=HYPERLINK("http://evil";"x")'), 6: (b, ub, "-Di")}
    errors = await app.errors(job["id"])
    assert [(e["row_number"], e["column"], e["code"], e["value"]) for e in errors] == [
        (3, "username", "invalid", "=cmd|' /C calc'!A0"),
        (4, "username", "invalid", "@SUM(1+1)"),
        (5, "username", "invalid", "+1-2"),
    ]

    response = await app.client.get(f"/{job['id']}/errors", params={"format": "csv"}, headers=app.admin())
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[2] for row in rows[1:]] == ["'=cmd|' /C calc'!A0", "'@SUM(1+1)", "'+1-2"]
    await _completes(app, job, total=5, succeeded=2, failed=3)


async def test_a_file_of_only_bad_rows_completes_with_nothing_sent(module_ingest):
    app = module_ingest
    content = app.csv("email,username", "nope,ab", ",missing_email", "x@example.com,")

    job = await app.start(content)

    done = await app.wait_for_status(job["id"], "completed")
    assert (done["total"], done["processed"], done["succeeded"], done["failed"]) == (3, 3, 0, 3)
    assert await app.submitted(job["id"]) == []
    assert await _errors(app, job) == [
        (2, "email", "invalid"),
        (3, "email", "missing"),
        (4, "username", "missing"),
    ]
