"""An import from upload to its end: auth's answers counted once, completion and its event, cancel,
backpressure, the row errors (pages and CSV download) and the progress stream."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import timedelta
from typing import Any

import msgspec
import pytest
from sqlalchemy import func, select, update

from switchyard.common.contracts import (
    ImportCompleted,
    ImportRowsProcessed,
    ImportRowsSubmitted,
    UserDeleted,
    decode_envelope,
    decode_event_as,
    encode_envelope,
    to_envelope,
)
from switchyard.common.db.erasure import user_digest
from switchyard.common.messaging.partitioner import key_partitioner
from switchyard.common.messaging.topic_reader import read_topic
from switchyard.common.messaging.topics import PARTITIONS
from switchyard.common.runtime.settings import PruningSettings
from switchyard.common.testing import publish_raw
from switchyard.common.testing.waiting import wait_until
from switchyard.ingest.adapters.orm import (
    erased_users,
    import_answers,
    import_claims,
    import_errors,
    imports,
    onboarded_users,
)
from switchyard.ingest.entrypoints.http.schemas import ImportRead

pytestmark = pytest.mark.integration


def _counts(job: dict[str, Any]) -> tuple[Any, ...]:
    return job["status"], job["total"], job["processed"], job["succeeded"], job["failed"]


async def _completed_events(app, import_id: str, count: int = 1) -> list[ImportCompleted]:
    found: list[ImportCompleted] = []

    async def arrived() -> bool:
        found[:] = [e for e in await app.events(ImportCompleted) if str(e.import_id) == import_id]
        return len(found) >= count

    await wait_until(arrived, within=15)
    return found


async def _onboarded(app, account_ids) -> dict[uuid.UUID, tuple[str, str | None]]:
    """The onboarding records among ``account_ids``: account id -> (email, username)."""
    columns = onboarded_users.c
    query = select(columns.user_id, columns.email, columns.username).where(
        columns.user_id.in_(list(account_ids))
    )
    async with app.db() as session:
        return {row.user_id: (row.email, row.username) for row in (await session.execute(query)).all()}


async def _erase(app, user_id: uuid.UUID) -> None:
    """Publish users' erasure of ``user_id``, as users would."""
    deletion = UserDeleted(user_id=user_id)
    value = encode_envelope(to_envelope(deletion, source="users"))
    await publish_raw(app.kafka, app.kafka.topic(deletion.TOPIC), value, key=deletion.partition_key.encode())


async def _answer_records(app, import_id: str) -> int:
    query = (
        select(func.count())
        .select_from(import_answers)
        .where(import_answers.c.import_id == uuid.UUID(import_id))
    )
    async with app.db() as session:
        return int((await session.execute(query)).scalar_one())


async def _claims(app, import_id: str) -> dict[int, int]:
    """Fingerprint -> row number, of the identities the import's accepted rows claimed."""
    columns = import_claims.c
    query = select(columns.fingerprint, columns.row_number).where(columns.import_id == uuid.UUID(import_id))
    async with app.db() as session:
        return {row.fingerprint: row.row_number for row in (await session.execute(query)).all()}


async def _has_claims(app, import_id: str) -> bool:
    return bool(await _claims(app, import_id))


async def _duplicate_quotes(app, import_id: str) -> dict[int, str | None]:
    """Row number -> the value a duplicate row of the import quotes."""
    columns = import_errors.c
    query = select(columns.row_number, columns.value).where(
        columns.import_id == uuid.UUID(import_id), columns.code == "duplicate"
    )
    async with app.db() as session:
        return {row.row_number: row.value for row in (await session.execute(query)).all()}


async def test_answers_complete_the_import_with_exact_counts_each_row_counted_once(module_ingest):
    app = module_ingest
    people = app.people(5)
    content = app.csv("email,username", *(f"{e},{u}" for e, u in people), "not-an-email,someone")
    job = await app.start(content)
    import_id = job["id"]

    rows = await app.sent_rows(import_id)
    assert [row.row_number for row in rows] == [2, 3, 4, 5, 6]
    waiting = await app.job(import_id)
    assert _counts(waiting) == ("processing", 6, 1, 0, 1)
    assert waiting["percent"] == 16.67
    assert waiting["started_at"] is not None
    assert waiting["finished_at"] is None

    by_row = {row.row_number: row for row in rows}
    created_twice = encode_envelope(to_envelope(app.answer_to(by_row[2]), source="auth"))
    await app.publish_envelopes(created_twice, created_twice)  # the very same event, delivered twice
    await app.publish(app.answer_to(by_row[3], rejected=True), app.answer_to(by_row[3], rejected=True))
    await app.publish(app.answer_to(by_row[4]), app.answer_to(by_row[4]))  # answered again (new event id)
    await app.wait_until_answers_consumed()

    partly = await app.job(import_id)
    assert _counts(partly) == ("processing", 6, 4, 2, 2)
    assert partly["percent"] == 66.67

    await app.publish(app.answer_to(by_row[5]), app.answer_to(by_row[6]))
    done = await app.wait_for_status(import_id, "completed")

    assert _counts(done) == ("completed", 6, 6, 4, 2)
    assert done["percent"] == 100.0
    assert done["eta_s"] is None
    assert done["finished_at"] is not None
    assert await app.errors(import_id) == [
        {
            "row_number": 3,
            "column": "email",
            "code": "already-exists",
            "message": "An account with this email already exists.",
            "value": None,
        },
        {
            "row_number": 7,
            "column": "email",
            "code": "invalid",
            "message": "Not a valid email address.",
            "value": "not-an-email",
        },
    ]
    (completed,) = await _completed_events(app, import_id)
    assert completed == ImportCompleted(
        import_id=uuid.UUID(import_id), uploaded_by=app.admin_id, total=6, succeeded=4, failed=2
    )
    # Whom the import onboarded, from the answers: each created row's account once, no rejected one.
    accounts = {app.answer_to(row).rows[0].account_id: (row.email, row.username) for row in rows}
    assert await _onboarded(app, accounts) == {
        account_id: person for account_id, person in accounts.items() if person[0] != by_row[3].email
    }

    # Every row counted once: a late answer (auth processed a row again) changes nothing.
    await app.publish(app.answer_to(by_row[2], rejected=True))
    await app.wait_until_answers_consumed()
    assert _counts(await app.job(import_id)) == ("completed", 6, 6, 4, 2)
    assert len(await app.errors(import_id)) == 2
    assert len(await _completed_events(app, import_id)) == 1
    assert len(await _onboarded(app, accounts)) == 4
    # The file is removed once its import ended.
    assert not (app.storage_dir / f"{import_id}.csv").exists()


async def test_rows_go_to_auth_grouped_by_their_emails_partition_with_ids_derived_from_their_numbers(
    module_ingest,
):
    app = module_ingest
    people = app.people(12)
    (a, ua), (b, ub) = people[:2]
    lines = [f"{a},{ua},Ann", f"{b.upper()},{ub},", *(f"{e},{u},Someone" for e, u in people[2:])]
    job = await app.start(app.csv("email,username,full_name", *lines))
    import_id = uuid.UUID(job["id"])
    await app.wait_until_read(import_id)

    mine = []
    for record in await read_topic(app.kafka, app.kafka.topic(ImportRowsSubmitted.TOPIC)):
        envelope = decode_envelope(record.value or b"")
        event = decode_event_as(envelope, ImportRowsSubmitted)
        if event.import_id == import_id:
            mine.append((record, envelope, event))

    partitions = list(range(PARTITIONS))
    for record, envelope, event in mine:
        numbers = [row.row_number for row in event.rows]
        assert numbers == sorted(numbers)
        # Every row about one person lands where its own email keys to, so its rows keep their order.
        assert {key_partitioner(row.email.encode(), partitions, partitions) for row in event.rows} == {
            record.partition
        }
        assert (record.key, envelope.key, envelope.source) == (
            event.rows[0].email.encode(),
            event.rows[0].email,
            "ingest",
        )
        # The same rows sent again (after a crash) are the same event, which auth applies once.
        assert envelope.id == uuid.uuid5(import_id, f"{numbers[0]}-{numbers[-1]}")
        assert event.notify is True
    rows = {row.row_number: row for _, _, event in mine for row in event.rows}
    assert sorted(row.row_number for _, _, event in mine for row in event.rows) == list(range(2, 14))
    assert [(rows[n].email, rows[n].username, rows[n].full_name, rows[n].role) for n in (2, 3)] == [
        (a, ua, "Ann", "user"),
        (b, ub, None, "user"),
    ]
    await app.answer_all(import_id)


async def test_an_import_awaiting_answers_does_not_hold_up_the_next(module_ingest):
    app = module_ingest
    waiting = await app.start(app.csv("email,username", *(f"{e},{u}" for e, u in app.people(2))))
    await app.sent_rows(waiting["id"])

    dry = await app.start(app.csv("email,username", *(f"{e},{u}" for e, u in app.people(2))), dry_run=True)
    real = await app.start(app.csv("email,username", *(f"{e},{u}" for e, u in app.people(3))))

    assert _counts(await app.wait_for_status(dry["id"], "completed")) == ("completed", 2, 2, 2, 0)
    assert len(await app.sent_rows(real["id"])) == 3
    assert (await app.job(waiting["id"]))["status"] == "processing"
    for job in (waiting, real):
        await app.answer_all(job["id"])


async def test_cancel_stops_the_import_and_a_second_cancel_is_409(module_ingest):
    app = module_ingest
    job = await app.start(app.csv("email,username", *(f"{e},{u}" for e, u in app.people(3))))
    rows = await app.sent_rows(job["id"])

    response = await app.client.post(f"/{job['id']}/cancel", headers=app.admin())

    assert response.status_code == 200, response.text
    cancelled = response.json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["finished_at"] is not None
    assert (await app.job(job["id"]))["status"] == "cancelled"
    assert not (app.storage_dir / f"{job['id']}.csv").exists()
    again = app.problem(await app.client.post(f"/{job['id']}/cancel", headers=app.admin()), 409)
    assert again["title"] == "Import already finished"
    assert again["detail"] == "The import is already cancelled."

    # Rows already sent finish: their answers are counted (once), the import stays cancelled.
    await app.publish(*(app.answer_to(row) for row in rows))
    await app.publish(app.answer_to(rows[0], rejected=True))
    await app.wait_until_answers_consumed()
    assert _counts(await app.job(job["id"])) == ("cancelled", 3, 3, 3, 0)


async def test_answer_records_go_once_an_import_takes_no_more_answers(start_ingest):
    app = await start_ingest(
        pruning=PruningSettings(processed_events_retention_days=35, prune_interval_s=0.2)
    )
    completed = await app.start(app.csv("email,username", *(f"{e},{u}" for e, u in app.people(2))))
    await app.answer_all(completed["id"])
    cancelled = await app.start(app.csv("email,username", *(f"{e},{u}" for e, u in app.people(3))))
    rows = await app.sent_rows(cancelled["id"])
    response = await app.client.post(f"/{cancelled['id']}/cancel", headers=app.admin())
    assert response.status_code == 200, response.text
    await app.publish(app.answer_to(rows[0]), app.answer_to(rows[1]))
    await app.wait_until_answers_consumed()
    assert _counts(await app.job(cancelled["id"])) == ("cancelled", 3, 2, 2, 0)

    # A completed import's go at the next round; a cancelled one's stay, as its third row may
    # still be answered...
    async def completed_forgotten() -> bool:
        return await _answer_records(app, completed["id"]) == 0

    await wait_until(completed_forgotten, within=15)
    assert await _answer_records(app, cancelled["id"]) == 2

    # ...until 35 days after it ended (the answers' window): its answers then no longer count, but
    # its records stay an hour more (the clocks' margin)...
    await _ended_ago(app, cancelled["id"], timedelta(days=35, minutes=30))
    await app.publish(app.answer_to(rows[2]))
    await app.wait_until_answers_consumed()
    await asyncio.sleep(1.0)  # five pruning rounds
    assert _counts(await app.job(cancelled["id"])) == ("cancelled", 3, 2, 2, 0)
    assert await _answer_records(app, cancelled["id"]) == 2

    # ...and then go.
    await _ended_ago(app, cancelled["id"], timedelta(days=35, hours=1, minutes=1))

    async def cancelled_forgotten() -> bool:
        return await _answer_records(app, cancelled["id"]) == 0

    await wait_until(cancelled_forgotten, within=15)
    # Too late to count: a repeat (whose record is gone) and the third row's answer alike.
    await app.publish(app.answer_to(rows[0]), app.answer_to(rows[2]))
    await app.wait_until_answers_consumed()
    assert _counts(await app.job(cancelled["id"])) == ("cancelled", 3, 2, 2, 0)
    assert await _answer_records(app, cancelled["id"]) == 0


async def test_a_row_repeating_a_row_of_an_earlier_batch_is_refused_naming_it(start_ingest):
    app = await start_ingest(batch_rows=10)
    people = app.people(25)
    lines = [f"{e},{u}" for e, u in people]
    freed = app.unique()
    lines[3] = f"{people[1][0]},{freed}"  # row 5 repeats row 3's email: its username stays free,
    lines[18] = f"{people[1][0]},{app.unique()}"  # row 20 repeats row 3's email (a later batch),
    lines[20] = f"x{app.unique()}@example.com,{freed}"  # row 22 takes row 5's username,
    lines[23] = f"x{app.unique()}@example.com,{people[10][1]}"  # row 25 repeats row 12's username.
    job = await app.start(app.csv("email,username", *lines))

    rows = await app.sent_rows(job["id"])

    assert [row.row_number for row in rows] == [n for n in range(2, 27) if n not in (5, 20, 25)]
    errors = [(e["row_number"], e["column"], e["code"], e["message"]) for e in await app.errors(job["id"])]
    assert errors == [
        (5, "email", "duplicate", "This email appears on row 3 already."),
        (20, "email", "duplicate", "This email appears on row 3 already."),
        (25, "username", "duplicate", "This username appears on row 12 already."),
    ]
    # Each accepted row claimed its email and username, with its row number.
    claims = await _claims(app, job["id"])
    assert sorted(claims.values()) == sorted(2 * [row.row_number for row in rows])


async def test_claims_stay_while_the_file_is_read_and_go_once_it_is_or_the_import_ends(start_ingest):
    app = await start_ingest(
        batch_rows=10,
        max_rows_in_flight=10,
        pruning=PruningSettings(processed_events_retention_days=35, prune_interval_s=0.2),
    )
    cancelled = await app.start(app.csv("email,username", *(f"{e},{u}" for e, u in app.people(30))))
    await wait_until(lambda: _has_claims(app, cancelled["id"]))
    response = await app.client.post(f"/{cancelled['id']}/cancel", headers=app.admin())
    assert response.status_code == 200, response.text

    async def cancelled_forgotten() -> bool:
        return await _claims(app, cancelled["id"]) == {}

    await wait_until(cancelled_forgotten, within=15)
    job = await app.start(app.csv("email,username", *(f"{e},{u}" for e, u in app.people(30))))

    async def first_batch_sent() -> bool:
        return len(await app.submitted(job["id"])) == 10

    await wait_until(first_batch_sent)
    await asyncio.sleep(1.0)  # five pruning rounds, the file still being read
    assert len(await _claims(app, job["id"])) == 20
    assert not (await app.row(job["id"]))["file_done"]

    answered: set[int] = set()

    async def completed() -> bool:
        # Ten rows at a time: each answered batch makes room for the next.
        fresh = [row for row in await app.submitted(job["id"]) if row.row_number not in answered]
        await app.publish(*(app.answer_to(row) for row in fresh))
        answered.update(row.row_number for row in fresh)
        return bool((await app.job(job["id"]))["status"] == "completed")

    await wait_until(completed, within=30)

    async def forgotten() -> bool:
        return await _claims(app, job["id"]) == {}

    await wait_until(forgotten, within=15)


async def _ended_ago(app, import_id: str, ago: timedelta) -> None:
    async with app.db.begin() as session:
        await session.execute(
            update(imports).where(imports.c.id == uuid.UUID(import_id)).values(finished_at=func.now() - ago)
        )


async def test_cancelling_a_completed_import_is_409(module_ingest):
    app = module_ingest
    job = await app.start(app.csv("email,username", *(f"{e},{u}" for e, u in app.people(1))))
    await app.answer_all(job["id"])

    body = app.problem(await app.client.post(f"/{job['id']}/cancel", headers=app.admin()), 409)

    assert body["detail"] == "The import is already completed."
    assert (await app.job(job["id"]))["status"] == "completed"


async def test_rows_in_flight_are_capped_and_cancel_sends_no_more(start_ingest):
    app = await start_ingest(batch_rows=10, max_rows_in_flight=10)
    content = app.csv("email,username", *(f"{e},{u}" for e, u in app.people(100)))
    job = await app.start(content)

    async def sent(count: int) -> bool:
        return len(await app.submitted(job["id"])) >= count

    await wait_until(lambda: sent(10))
    first = await app.submitted(job["id"])
    assert [row.row_number for row in first] == list(range(2, 12))
    assert _counts(await app.job(job["id"])) == ("processing", 100, 0, 0, 0)

    # Answering the ten in flight makes room for ten more.
    await app.publish(*(app.answer_to(row) for row in first))
    await wait_until(lambda: sent(20))
    response = await app.client.post(f"/{job['id']}/cancel", headers=app.admin())
    assert response.status_code == 200, response.text

    # One importer takes one import at a time: once a later one is done, it left the cancelled one.
    later = await app.start(app.csv("email,username", *(f"{e},{u}" for e, u in app.people(1))), dry_run=True)
    await app.wait_for_status(later["id"], "completed")
    assert [row.row_number for row in await app.submitted(job["id"])] == list(range(2, 22))
    assert _counts(await app.job(job["id"]))[:2] == ("cancelled", 100)


async def test_an_import_whose_answers_stop_fails_saying_how_many_rows_are_unanswered(start_ingest):
    app = await start_ingest(answer_timeout_s=3.0)
    # The answer consumer first has to join its group on fresh topics; until it has, the timeout
    # (counted from the start of the import) could run out before the answers below are counted.
    await app.publish(ImportRowsProcessed(import_id=uuid.uuid4(), rows=[]))
    await app.wait_until_answers_consumed()
    content = app.csv("email,username", *(f"{e},{u}" for e, u in app.people(5)))
    job = await app.start(content)
    await app.wait_until_read(job["id"])
    sent = await app.submitted(job["id"])
    # Auth answers three rows, and never the other two (dead-lettered on its side, say).
    await app.publish(*(app.answer_to(row) for row in sent[:3]))

    failed = await app.wait_for_status(job["id"], "failed")

    assert (failed["succeeded"], failed["processed"], failed["total"]) == (3, 3, 5)
    assert failed["error"].startswith("No answer from auth for 3 s: 2 of the 5 rows sent are unanswered")


async def test_an_import_stuck_at_its_in_flight_cap_fails_when_answers_stop(start_ingest):
    app = await start_ingest(batch_rows=10, max_rows_in_flight=10, answer_timeout_s=1.0)
    job = await app.start(app.csv("email,username", *(f"{e},{u}" for e, u in app.people(50))))

    failed = await app.wait_for_status(job["id"], "failed")
    later = await app.start(app.csv("email,username", *(f"{e},{u}" for e, u in app.people(1))), dry_run=True)

    assert failed["error"].startswith("No answer from auth for 1 s: 10 of the 10 rows sent are unanswered")
    # The importer is free again for the imports behind it.
    assert (await app.wait_for_status(later["id"], "completed"))["succeeded"] == 1


# --- row errors: pages, cursor, download ------------------------------------------------------


async def _import_with_errors(app) -> tuple[str, list[int]]:
    """A completed import with 26 row errors (25 refused here, one rejected by auth); their rows."""
    (a, ua), (b, ub) = app.people(2)
    bad = [f"bad{i},user_{i}" for i in range(22)]
    formulas = ["f1@example.com,=1+2", 'f2@example.com,"\tab"', 'f3@example.com,"\rxy"']
    content = app.csv("email,username", f"{a},{ua}", *bad[:10], f"{b},{ub}", *bad[10:], *formulas)
    job = await app.start(content)
    await app.answer_all(job["id"], rejected=[13])  # b's row
    expected = [*range(3, 13), 13, *range(14, 29)]
    return job["id"], expected


async def test_error_pages_walk_every_error_in_row_order(module_ingest):
    app = module_ingest
    import_id, expected = await _import_with_errors(app)

    pages, cursor = [], None
    while True:
        params = {"limit": 10} | ({} if cursor is None else {"cursor": cursor})
        response = await app.client.get(f"/{import_id}/errors", params=params, headers=app.admin())
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append([item["row_number"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert [len(page) for page in pages] == [10, 10, 6]
    assert [row for page in pages for row in page] == expected
    whole = await app.client.get(f"/{import_id}/errors", params={"limit": 26}, headers=app.admin())
    assert whole.json()["next_cursor"] is None
    assert [item["row_number"] for item in whole.json()["items"]] == expected


async def test_the_error_download_is_csv_with_formula_leading_values_escaped(module_ingest):
    app = module_ingest
    import_id, expected = await _import_with_errors(app)

    response = await app.client.get(f"/{import_id}/errors", params={"format": "csv"}, headers=app.admin())

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="import-{import_id}-errors.csv"'
    assert response.content.startswith("\ufeff".encode())
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header == ["row_number", "column", "value", "code", "message"]
    assert [int(row[0]) for row in rows] == expected
    by_row = {int(row[0]): row for row in rows}
    assert by_row[13] == ["13", "email", "", "already-exists", "An account with this email already exists."]
    assert by_row[3][1:4] == ["email", "bad0", "invalid"]
    assert [by_row[n][2] for n in (26, 27, 28)] == ["'=1+2", "'\tab", "'\rxy"]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "W10",
        "WyJpbXBvcnRzIiwxLDJd",
        "WyJpbXBvcnQtZXJyb3JzIiwiYSIsImIiXQ",
        "WyJpbXBvcnQtZXJyb3JzIixJbmZpbml0eSwxXQ",
        "WyJpbXBvcnQtZXJyb3JzIiwxMDk5NTExNjI3Nzc2LDFd",
        "WyJpbXBvcnQtZXJyb3JzIiwxLC01XQ",
    ],
    ids=["not-base64", "empty-list", "other-list", "not-numbers", "infinity", "beyond-int32", "negative"],
)
async def test_a_malformed_errors_cursor_is_422(module_ingest, cursor):
    app = module_ingest
    job = await app.start(app.csv("email,username", *(f"{e},{u}" for e, u in app.people(1))), dry_run=True)

    response = await app.client.get(f"/{job['id']}/errors", params={"cursor": cursor}, headers=app.admin())

    assert app.error_paths(response) == ["query.cursor"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/{id}"),
        ("GET", "/{id}/errors"),
        ("GET", "/{id}/errors?format=csv"),
        ("POST", "/{id}/cancel"),
        ("GET", "/{id}/events"),
    ],
)
async def test_an_unknown_import_is_404(module_ingest, method, path):
    app = module_ingest

    response = await app.client.request(method, path.format(id=uuid.uuid4()), headers=app.admin())

    assert app.problem(response, 404)["detail"] == "No import with this id."


# --- the progress stream --------------------------------------------------------------------


async def test_the_stream_of_a_finished_import_is_its_final_state(module_ingest):
    app = module_ingest
    job = await app.start(app.csv("email,username", *(f"{e},{u}" for e, u in app.people(2))), dry_run=True)
    await app.wait_for_status(job["id"], "completed")

    async with app.client.stream("GET", f"/{job['id']}/events", headers=app.admin()) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        messages = [message async for message in app.sse_messages(response.aiter_lines())]

    (message,) = messages
    assert (message.event, message.id) == ("progress", "1")
    state = msgspec.json.decode(message.data, type=ImportRead)
    assert (state.id, state.status, state.processed, state.succeeded) == (
        uuid.UUID(job["id"]),
        "completed",
        2,
        2,
    )


async def test_the_stream_follows_an_import_until_it_completes(module_ingest):
    app = module_ingest
    job = await app.start(app.csv("email,username", *(f"{e},{u}" for e, u in app.people(3))))
    rows = await app.sent_rows(job["id"])

    async with (
        app.served() as http,
        http.stream("GET", f"/{job['id']}/events", headers=app.admin()) as response,
    ):
        assert response.status_code == 200
        messages = app.sse_messages(response.aiter_lines())
        first = await anext(messages)
        # Nothing changes until auth answers: the stream says it is alive.
        heartbeat = await anext(messages)
        await app.publish(*(app.answer_to(row) for row in rows))
        rest = [message async for message in messages]

    assert first.event == "progress"
    assert _counts(msgspec.to_builtins(msgspec.json.decode(first.data, type=ImportRead))) == (
        "processing",
        3,
        0,
        0,
        0,
    )
    assert (heartbeat.comment, heartbeat.event, heartbeat.data) == ("heartbeat", None, None)
    progress = [first] + [message for message in rest if message.event == "progress"]
    assert all(message.comment == "heartbeat" for message in rest if message.event != "progress")
    states = [msgspec.json.decode(message.data, type=ImportRead) for message in progress]
    assert [int(message.id) for message in progress] == list(range(1, len(progress) + 1))
    assert len(states) >= 2
    assert [state.processed for state in states] == sorted(state.processed for state in states)
    assert (states[-1].status, states[-1].processed, states[-1].succeeded) == ("completed", 3, 3)
    assert all(state.status == "processing" for state in states[:-1])


async def test_whom_an_import_onboarded_is_forgotten_when_users_erases_them(module_ingest):
    app = module_ingest
    (email, username), (kept_email, kept_username) = app.people(2)
    content = app.csv(
        "email,username",
        f"{email},{username}",
        f"{kept_email},{kept_username}",
        f"{email},{app.unique()}",  # row 4 (the header is row 1) quotes the erased person's email,
        f"x{app.unique()}@example.com,{username}",  # row 5 their username,
        f"{kept_email},{app.unique()}",  # row 6 someone else's email.
    )
    job = await app.start(content)
    rows = await app.sent_rows(job["id"])
    await app.answer_all(job["id"])
    erased, kept = [app.answer_to(row).rows[0].account_id for row in rows]
    assert await _onboarded(app, [erased, kept]) == {
        erased: (email, username),
        kept: (kept_email, kept_username),
    }
    assert await _duplicate_quotes(app, job["id"]) == {4: email, 5: username, 6: kept_email}

    await _erase(app, erased)

    async def forgotten() -> bool:
        return await _onboarded(app, [erased, kept]) == {kept: (kept_email, kept_username)}

    await wait_until(forgotten, within=15)
    # The rows stay reported (the uploader still sees why each failed); their quotes of the person go.
    assert await _duplicate_quotes(app, job["id"]) == {4: None, 5: None, 6: kept_email}


async def test_a_person_erased_before_auths_answer_arrives_loses_their_quotes_when_it_does(module_ingest):
    app = module_ingest
    ((email, username),) = app.people(1)
    content = app.csv("email,username", f"{email},{username}", f"{email},{app.unique()}")
    job = await app.start(content)
    (row,) = await app.sent_rows(job["id"])
    account_id = app.answer_to(row).rows[0].account_id
    assert await _duplicate_quotes(app, job["id"]) == {3: email}

    # The erasure is applied (ingest keeps the tombstone) before the answer naming the person comes.
    await _erase(app, account_id)

    async def tombstoned() -> bool:
        query = (
            select(func.count())
            .select_from(erased_users)
            .where(erased_users.c.user_digest == user_digest(account_id))
        )
        async with app.db() as session:
            return bool((await session.execute(query)).scalar_one())

    await wait_until(tombstoned, within=15)
    await app.answer_all(job["id"])

    assert await _onboarded(app, [account_id]) == {}
    assert await _duplicate_quotes(app, job["id"]) == {3: None}
