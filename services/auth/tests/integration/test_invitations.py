"""Import rows from ingest become invited accounts; accepting the invitation sets the first password."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from switchyard.auth.adapters.orm import accounts
from switchyard.auth.bootstrap import SERVICE_ROOT
from switchyard.auth.domain.commands import InviteAccount
from switchyard.auth.service_layer.context import AuthContext
from switchyard.auth.service_layer.invitations import invite_accounts
from switchyard.auth.service_layer.unit_of_work import AuthUnitOfWork
from switchyard.auth.settings import AuthSettings
from switchyard.common.contracts import (
    AccountRegistered,
    ImportRowOutcome,
    ImportRowsProcessed,
    ImportRowsSubmitted,
    ImportRowSubmitted,
    InvitationIssued,
    SubmittedRow,
)
from switchyard.common.db.unit_of_work import OUTBOX_COLUMNS
from switchyard.common.http import PROBLEM_JSON
from switchyard.common.testing import wait_until

pytestmark = pytest.mark.integration

# conftest.STRONG (conftest modules are not importable under --import-mode=importlib).
STRONG = "amber falcon drifts over quiet harbor"

_EVENT_TYPE = OUTBOX_COLUMNS.index("event_type")


def _row(import_id: uuid.UUID, row_number: int, name: str, **fields: Any) -> ImportRowSubmitted:
    values: dict[str, Any] = {
        "email": f"{name}@example.com",
        "username": name,
        "full_name": "Grace Hopper",
        "role": "user",
        "notify": True,
        **fields,
    }
    return ImportRowSubmitted(import_id=import_id, row_number=row_number, **values)


def _many(rows: list[ImportRowSubmitted], *, notify: bool = True) -> ImportRowsSubmitted:
    """``rows`` (of one import) in one event, as ingest sends a partition's rows."""
    return ImportRowsSubmitted(
        import_id=rows[0].import_id,
        notify=notify,
        partition_email=rows[0].email,
        rows=[
            SubmittedRow(
                row_number=row.row_number,
                email=row.email,
                username=row.username,
                full_name=row.full_name,
                role=row.role,
            )
            for row in rows
        ],
    )


async def _answers(published, import_id: uuid.UUID, count: int) -> dict[int, list[ImportRowOutcome]]:
    """Auth's answers by row number, once there are ``count`` rows' (however they were batched)."""
    by_row: dict[int, list[ImportRowOutcome]] = {}

    async def enough() -> bool:
        events = await published(ImportRowsProcessed, where=lambda e: e.import_id == import_id)
        by_row.clear()
        for event in events:
            for outcome in event.rows:
                by_row.setdefault(outcome.row_number, []).append(outcome)
        return sum(len(outcomes) for outcomes in by_row.values()) >= count

    await wait_until(enough, within=30)
    return by_row


async def _accept(auth, token: str, password: str) -> Any:
    return await auth.client.post("/invitations/accept", json={"token": token, "password": password})


async def _accounts_with_email(auth, email: str) -> int:
    async with auth.db() as session:
        query = select(func.count()).select_from(accounts).where(accounts.c.email == email)
        return int((await session.execute(query)).scalar_one())


async def test_a_row_becomes_an_invited_account_that_accepting_activates(
    auth, deliver, published, claims
) -> None:
    import_id, name = uuid.uuid4(), auth.unique("invitee")
    await deliver(_row(import_id, 1, name, role="moderator"), source="ingest")

    (answer,) = (await _answers(published, import_id, 1))[1]
    # The answer names the account, its email and username: ingest records whom it onboarded from it.
    assert (answer.outcome, answer.code, answer.email, answer.username) == (
        "created",
        None,
        f"{name}@example.com",
        name,
    )
    account_id = answer.account_id
    (registered,) = await published(AccountRegistered)
    assert (registered.account_id, registered.email, registered.invited, registered.role) == (
        account_id,
        f"{name}@example.com",
        True,
        "moderator",
    )
    (invitation,) = await published(InvitationIssued)
    assert (invitation.account_id, invitation.import_id) == (account_id, import_id)
    no_password = await auth.token(grant_type="password", username=name, password=STRONG)
    assert no_password.status_code == 400, no_password.text
    assert no_password.json()["error"] == "invalid_grant"

    weak = await _accept(auth, invitation.token, "too short")
    assert weak.status_code == 422, weak.text
    assert [error["path"] for error in weak.json()["errors"]] == ["body.password"]
    accepted = await _accept(auth, invitation.token, STRONG)
    assert accepted.status_code == 204, accepted.text

    signed_in = await claims(auth, await auth.login(name))
    assert (signed_in["sub"], signed_in["roles"], signed_in["email_verified"]) == (
        str(account_id),
        ["moderator"],
        True,
    )
    reused = await _accept(auth, invitation.token, f"{STRONG} again")
    assert reused.status_code == 400, reused.text
    assert reused.headers["content-type"].startswith(PROBLEM_JSON)


async def test_a_row_without_notify_sends_no_invitation(auth, deliver, published, relayed) -> None:
    import_id, name = uuid.uuid4(), auth.unique("quiet")
    await deliver(_row(import_id, 7, name, notify=False), source="ingest")

    (answer,) = (await _answers(published, import_id, 1))[7]
    assert answer.outcome == "created"
    (registered,) = await published(AccountRegistered)
    assert (registered.account_id, registered.invited, registered.role) == (answer.account_id, True, "user")
    await relayed(auth)
    assert await published(InvitationIssued, count=0) == []


async def test_rows_that_cannot_become_accounts_are_rejected(auth, deliver, published) -> None:
    existing = await auth.register()
    import_id = uuid.uuid4()
    rows = [
        _row(import_id, 1, auth.unique("dupemail"), email=existing["email"].upper()),
        _row(import_id, 2, auth.unique("dupname"), username=existing["username"]),
        _row(import_id, 3, auth.unique("badrole"), role="superuser"),
        _row(import_id, 4, auth.unique("badname"), username="no spaces allowed"),
    ]
    for row in rows:
        await deliver(row, source="ingest")

    answers = await _answers(published, import_id, len(rows))

    outcomes = {number: [(a.outcome, a.code, a.field) for a in found] for number, found in answers.items()}
    assert outcomes == {
        1: [("rejected", "already-exists", "email")],
        2: [("rejected", "already-exists", "username")],
        3: [("rejected", "invalid", "role")],
        4: [("rejected", "invalid", "username")],
    }
    assert all(a.account_id is None and a.message for found in answers.values() for a in found)
    assert await _accounts_with_email(auth, rows[1].email) == 0
    assert await _accounts_with_email(auth, rows[2].email) == 0


async def test_the_same_row_submitted_twice_makes_one_account(auth, deliver, published, relayed) -> None:
    import_id, name = uuid.uuid4(), auth.unique("twice")
    row = _row(import_id, 3, name)
    # Two distinct events (each to_envelope gets a fresh id), so the consumer's dedup cannot catch it.
    await deliver(row, source="ingest")
    await deliver(row, source="ingest")

    first, second = (await _answers(published, import_id, 2))[3]

    assert (first.outcome, second.outcome) == ("created", "created")
    assert first.account_id == second.account_id is not None
    assert first.email == second.email == row.email
    assert await _accounts_with_email(auth, row.email) == 1
    await relayed(auth)
    assert len(await published(AccountRegistered, count=0)) == 1
    assert len(await published(InvitationIssued, count=0)) == 1


async def test_a_burst_of_rows_keeps_the_first_of_each_email_and_answers_every_row(
    auth, deliver, published
) -> None:
    import_id, name = uuid.uuid4(), auth.unique("burst")
    rows = []
    for number in range(2, 42):
        # Rows 2k and 2k+1 share an email (one partition, in order): the first one gets the account.
        pair = number // 2
        rows.append(_row(import_id, number, f"{name}{number}", email=f"{name}-{pair}@example.com"))
    rows.append(_row(import_id, 42, "x", email="not-an-email"))
    for row in rows:
        await deliver(row, source="ingest")

    by_row = await _answers(published, import_id, count=len(rows))

    assert sorted(by_row) == list(range(2, 43))
    for number in range(2, 42):
        (answer,) = by_row[number]
        if number % 2 == 0:
            assert answer.outcome == "created", answer
        else:
            assert (answer.outcome, answer.code, answer.field) == ("rejected", "already-exists", "email")
    assert (by_row[42][0].outcome, by_row[42][0].code) == ("rejected", "invalid")
    for pair in range(1, 21):
        assert await _accounts_with_email(auth, f"{name}-{pair}@example.com") == 1


async def test_rows_sent_many_to_an_event_are_each_answered_as_single_rows_are(
    auth, deliver, published, relayed
) -> None:
    import_id, name = uuid.uuid4(), auth.unique("many")
    # Rows 2k and 2k+1 share an email: the first one gets the account.
    rows = [_row(import_id, n, f"{name}{n}", email=f"{name}-{n // 2}@example.com") for n in range(2, 12)]
    rows.append(_row(import_id, 12, "x", email="not-an-email"))
    await deliver(_many(rows[:6]), source="ingest")
    await deliver(_many(rows[6:]), source="ingest")
    # The first event's rows again, as a new event (ingest sent them again after a crash).
    await deliver(_many(rows[:6]), source="ingest")

    by_row = await _answers(published, import_id, count=len(rows) + 6)

    assert sorted(by_row) == list(range(2, 13))
    for number in range(2, 12):
        first = by_row[number][0]
        if number % 2 == 0:
            assert (first.outcome, first.email) == ("created", f"{name}-{number // 2}@example.com"), first
        else:
            assert (first.outcome, first.code, first.field) == ("rejected", "already-exists", "email")
        # Answered again the same way: the account made the first time, or the same rejection.
        assert len(by_row[number]) == (2 if number < 8 else 1)
        assert set(by_row[number]) == {first}
    assert (by_row[12][0].outcome, by_row[12][0].code) == ("rejected", "invalid")
    for pair in range(1, 6):
        assert await _accounts_with_email(auth, f"{name}-{pair}@example.com") == 1
    await relayed(auth)
    registered = await published(AccountRegistered, count=0)
    assert sorted(event.email for event in registered) == sorted(
        f"{name}-{pair}@example.com" for pair in range(1, 6)
    )


async def test_the_same_row_twice_in_one_batch_is_one_account_announced_once(make_database) -> None:
    """The consumer may hand both copies over in one batch (test above: in two, or in one): the
    insert returns the id once for both, and the account is announced and invited once."""
    url = await make_database.create(migrations=SERVICE_ROOT)
    sessions = make_database.sessions(url)
    # invite_accounts reads only the settings and the clock of its context.
    ctx = AuthContext(
        settings=AuthSettings(),
        issuer="tests",
        audience="tests",
        uow=lambda: AuthUnitOfWork(sessions),
        hasher=None,  # type: ignore[arg-type]
        keys=None,  # type: ignore[arg-type]
        throttle=None,  # type: ignore[arg-type]
        denylist=None,  # type: ignore[arg-type]
        secrets=None,  # type: ignore[arg-type]
    )
    row = InviteAccount(
        import_id=uuid.uuid4(),
        row_number=7,
        email="twice.in.one@example.com",
        username="twice_in_one",
        full_name="Ada Lovelace",
        role="user",
        notify=True,
    )
    uow = AuthUnitOfWork(sessions)
    async with uow:
        outcomes = await invite_accounts([row, row], ctx, uow)
        written = Counter(str(pending[_EVENT_TYPE]) for pending in uow._pending)
        await uow.commit()

    assert [(o.outcome, o.row_number) for o in outcomes] == [("created", 7), ("created", 7)]
    assert outcomes[0].account_id == outcomes[1].account_id is not None
    assert written == {
        "auth.account-registered": 1,
        "auth.invitation-issued": 1,
        "auth.import-rows-processed": 1,
    }
    async with sessions() as session:
        count = select(func.count()).select_from(accounts).where(accounts.c.email == row.email)
        assert (await session.execute(count)).scalar_one() == 1
