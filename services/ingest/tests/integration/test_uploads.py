"""``POST /``: who may upload, what an accepted upload answers, its options, and the duplicate window."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.integration


def _file(app, count: int = 2) -> tuple[bytes, list[tuple[str, str]]]:
    people = app.people(count)
    return app.csv("email,username", *(f"{email},{username}" for email, username in people)), people


# --- who may upload and read ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/"),
        ("GET", "/"),
        ("GET", "/{id}"),
        ("GET", "/{id}/errors"),
        ("POST", "/{id}/cancel"),
        ("GET", "/{id}/events"),
    ],
)
async def test_without_a_token_every_endpoint_is_401(module_ingest, method, path):
    app = module_ingest
    response = await app.client.request(method, path.format(id=uuid.uuid4()))

    app.problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("roles", [["user"], ["moderator"], []])
async def test_a_caller_who_is_not_admin_is_403(module_ingest, roles):
    app = module_ingest
    content, _ = _file(app)
    headers = app.jwks.bearer(uuid.uuid4(), roles=roles)

    upload = await app.upload(content, headers=headers)
    listing = await app.client.get("/", headers=headers)

    assert app.problem(upload, 403)["detail"] == "Requires one of the roles: admin."
    app.problem(listing, 403)
    assert app.leftover_uploads() == []


async def test_an_admin_token_naming_no_user_is_403_and_its_upload_is_not_kept(module_ingest):
    app = module_ingest
    content, _ = _file(app)

    response = await app.upload(content, headers=app.jwks.bearer("import-robot", roles=["admin"]))

    assert app.problem(response, 403)["detail"] == "This token does not name a user."
    assert app.leftover_uploads() == []


async def test_a_bad_token_is_401(module_ingest):
    app = module_ingest
    content, _ = _file(app)

    response = await app.upload(content, headers={"authorization": "Bearer not.a.token"})

    app.problem(response, 401)


# --- what an accepted upload answers ----------------------------------------------------------


async def test_an_upload_is_202_with_a_queued_import_and_its_location(module_ingest):
    app = module_ingest
    content, _ = _file(app, 3)

    response = await app.upload(content, filename="team.csv")

    assert response.status_code == 202, response.text
    body = response.json()
    assert response.headers["location"] == f"/{body['id']}"
    assert body["status"] == "queued"
    assert body["filename"] == "team.csv"
    assert body["size_bytes"] == len(content)
    assert body["uploaded_by"] == str(app.admin_id)
    assert (body["dry_run"], body["notify"]) == (False, True)
    assert (body["total"], body["processed"], body["succeeded"], body["failed"]) == (None, 0, 0, 0)
    assert (body["percent"], body["rows_per_s"], body["eta_s"], body["error"]) == (None, None, None, None)
    assert body["started_at"] is None
    assert body["finished_at"] is None
    assert (await app.job(body["id"]))["id"] == body["id"]


async def test_the_location_carries_the_gateway_prefix(module_ingest):
    app = module_ingest
    content, _ = _file(app)

    response = await app.upload(content, headers={**app.admin(), "x-forwarded-prefix": "/api/v1/imports"})

    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/api/v1/imports/{response.json()['id']}"


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/vnd.ms-excel", "application/octet-stream"]
)
async def test_what_browsers_send_for_csv_files_is_accepted(module_ingest, content_type):
    app = module_ingest
    content, _ = _file(app)

    response = await app.upload(content, content_type=content_type)

    assert response.status_code == 202, response.text


async def test_notify_false_and_roles_travel_with_the_rows(module_ingest):
    app = module_ingest
    (a, ua), (b, ub), (c, uc) = app.people(3)
    content = app.csv("email,username,role", f"{a},{ua},Admin", f"{b},{ub}, moderator ", f"{c},{uc},")

    job = await app.start(content, notify=False)

    assert job["notify"] is False
    rows = await app.sent_rows(job["id"])
    assert [(row.row_number, row.role, row.notify) for row in rows] == [
        (2, "admin", False),
        (3, "moderator", False),
        (4, "user", False),
    ]
    await app.answer_all(job["id"])


async def test_control_characters_are_dropped_from_the_file_name(module_ingest):
    app = module_ingest
    content, _ = _file(app)
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="team\x00\x07.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + content + b"\r\n--b--\r\n"
    )

    response = await app.client.post(
        "/", content=body, headers={**app.admin(), "content-type": "multipart/form-data; boundary=b"}
    )

    assert response.status_code == 202, response.text
    assert response.json()["filename"] == "team.csv"


@pytest.mark.parametrize(
    ("body", "content_type", "detail"),
    [
        (
            b'{"file": "x"}',
            "application/json",
            "Send the file as multipart/form-data with a part named 'file'.",
        ),
        (
            b'--b\r\nContent-Disposition: form-data; name="dry_run"\r\n\r\ntrue\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
            "The form has no part named 'file'.",
        ),
        (
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nemail,username\r\n'
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="b.csv"\r\n\r\nemail,username\r\n'
            b"--b--\r\n",
            "multipart/form-data; boundary=b",
            "Send one file per import.",
        ),
        (b"--b\r\nnonsense", "multipart/form-data; boundary=b", "The multipart body is malformed"),
    ],
    ids=["json", "no-file", "two-files", "broken"],
)
async def test_a_body_that_is_not_a_usable_form_is_400(module_ingest, body, content_type, detail):
    app = module_ingest

    response = await app.client.post("/", content=body, headers={**app.admin(), "content-type": content_type})

    problem = app.problem(response, 400)
    assert problem["title"] == "Malformed upload"
    assert problem["detail"].startswith(detail)
    assert app.leftover_uploads() == []


# --- options --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "path"),
    [
        ({"dry_run": "maybe"}, "body.dry_run"),
        ({"notify": "2"}, "body.notify"),
        ({"force": "yes please"}, "body.force"),
        ({"colour": "blue"}, "body.colour"),
        ({"mapping": "{not json"}, "body.mapping"),
        ({"mapping": '["email"]'}, "body.mapping"),
        ({"mapping": '{"E\\u0000": "email"}'}, "body.mapping"),
        ({"mapping": {"E-Mail": "mail"}}, "mapping.e-mail"),
    ],
)
async def test_a_malformed_option_is_422_naming_it(module_ingest, options, path):
    app = module_ingest
    content, _ = _file(app)

    response = await app.upload(content, **options)

    assert app.error_paths(response) == [path]
    assert app.leftover_uploads() == []


async def test_a_mapping_imports_a_file_with_other_column_names(module_ingest):
    app = module_ingest
    (a, ua), (b, ub) = app.people(2)
    content = app.csv("E-Mail,Login,Name", f"{a},{ua},Ann", f"{b},{ub},Bob")
    mapping = {"E-Mail": "email", "Login": "username", "Name": "full_name"}

    unmapped = app.error_paths(await app.upload(content))
    assert unmapped == ["header.E-Mail", "header.Login", "header.Name", "header.email", "header.username"]
    job = await app.start(content, mapping=mapping)

    rows = await app.sent_rows(job["id"])
    assert [(row.row_number, row.email, row.username, row.full_name) for row in rows] == [
        (2, a, ua, "Ann"),
        (3, b, ub, "Bob"),
    ]
    done = await app.answer_all(job["id"])
    assert (done["total"], done["succeeded"], done["failed"]) == (2, 2, 0)


async def test_a_mapping_target_that_is_no_field_is_422(module_ingest):
    app = module_ingest
    (a, ua), *_ = app.people(1)
    content = app.csv("E-Mail,Login", f"{a},{ua}")

    response = await app.upload(content, mapping={"E-Mail": "email", "Login": "login_name"})

    body = app.problem(response, 422)
    assert body["errors"][0] == {"path": "mapping.login", "message": "Unknown field 'login_name'."}
    assert app.leftover_uploads() == []


async def test_a_dry_run_checks_every_row_and_sends_none(module_ingest):
    app = module_ingest
    (a, ua), (b, ub), (c, uc) = app.people(3)
    content = app.csv(
        "email,username", f"{a},{ua}", "bad-email,someone", f"{b},{ub}", f"{c},{uc}", f"{a},again"
    )

    job = await app.start(content, dry_run=True)

    assert job["dry_run"] is True
    done = await app.wait_for_status(job["id"], "completed")
    assert (done["total"], done["processed"], done["succeeded"], done["failed"]) == (5, 5, 3, 2)
    assert done["percent"] == 100.0
    assert await app.submitted(job["id"]) == []
    errors = await app.errors(job["id"])
    assert [(e["row_number"], e["column"], e["code"]) for e in errors] == [
        (3, "email", "invalid"),
        (6, "email", "duplicate"),
    ]


# --- the duplicate window -------------------------------------------------------------------


async def test_the_same_file_again_answers_200_with_the_existing_import(module_ingest):
    app = module_ingest
    content, _ = _file(app)
    first = await app.start(content)

    again = await app.upload(content, filename="renamed.csv")

    assert again.status_code == 200, again.text
    assert again.json()["id"] == first["id"]
    assert again.json()["filename"] == "people.csv"
    assert again.headers["location"] == f"/{first['id']}"
    assert app.leftover_uploads() == []


async def test_force_makes_a_new_import_of_the_same_file(module_ingest):
    app = module_ingest
    content, _ = _file(app)
    first = await app.start(content)

    forced = await app.start(content, force=True)
    again = await app.upload(content)

    assert forced["id"] != first["id"]
    # The newest import of the content is the one found from now on.
    assert again.status_code == 200
    assert again.json()["id"] == forced["id"]


async def test_a_file_whose_import_was_cancelled_can_be_uploaded_again_without_force(module_ingest):
    app = module_ingest
    content, _ = _file(app)
    first = await app.start(content)
    cancelled = await app.client.post(f"/{first['id']}/cancel", headers=app.admin())
    assert cancelled.status_code == 200, cancelled.text

    again = await app.upload(content)

    assert again.status_code == 202, again.text
    assert again.json()["id"] != first["id"]


async def test_a_dry_run_and_a_real_import_of_one_file_are_different_imports(module_ingest):
    app = module_ingest
    content, _ = _file(app)

    dry = await app.start(content, dry_run=True)
    real = await app.start(content)
    dry_again = await app.upload(content, dry_run=True)
    real_again = await app.upload(content, dry_run=False)

    assert dry["id"] != real["id"]
    assert (dry_again.status_code, dry_again.json()["id"]) == (200, dry["id"])
    assert (real_again.status_code, real_again.json()["id"]) == (200, real["id"])


async def test_outside_the_window_the_same_file_is_a_new_import(start_ingest):
    app = await start_ingest(duplicate_window_s=0)
    content, _ = _file(app)

    first = await app.start(content)
    second = await app.start(content)

    assert first["id"] != second["id"]


# --- listing --------------------------------------------------------------------------------


async def test_imports_are_listed_newest_first_page_by_page(start_ingest):
    app = await start_ingest()
    started = [(await app.start(_file(app)[0], dry_run=True))["id"] for _ in range(5)]

    listed, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2} | ({} if cursor is None else {"cursor": cursor})
        response = await app.client.get("/", params=params, headers=app.admin())
        assert response.status_code == 200, response.text
        page = response.json()
        listed += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert listed == started[::-1]
    assert pages == 3


@pytest.mark.parametrize("cursor", ["garbage!", "W10", "WyJpbXBvcnQtZXJyb3JzIiwxLDJd"])
async def test_a_malformed_list_cursor_is_422(module_ingest, cursor):
    app = module_ingest

    response = await app.client.get("/", params={"cursor": cursor}, headers=app.admin())

    assert app.error_paths(response) == ["query.cursor"]
