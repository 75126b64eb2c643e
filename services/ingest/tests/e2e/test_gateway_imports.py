"""Imports through the running stack (`make up`): a file in at the gateway, accounts in auth, profiles in
users, invitation emails out of notifications, and row errors back to the uploader.

Files come from the CLI's generator (every kind of bad row, evenly spread) with a domain of their own,
so what each service holds for this file is told apart by the address domain.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from switchyard.cli.generate import write_csv
from switchyard.common.testing import wait_until
from switchyard.common.testing.gateway import Gateway
from switchyard.common.testing.infrastructure import local_stack_dir
from switchyard.common.testing.mail import MailSink, link_token

pytestmark = pytest.mark.e2e

PASSWORD = "copper lantern sways above misty canal"
# What each kind of bad row the generator writes is reported as: (column, code).
EXPECTED_ERRORS = {
    "invalid_email": ("email", "invalid"),
    "empty_email": ("email", "missing"),
    "invalid_username": ("username", "invalid"),
    "empty_username": ("username", "missing"),
    "unknown_role": ("role", "invalid"),
    "duplicate_email": ("email", "duplicate"),
    "duplicate_username": ("username", "duplicate"),
    "control_char_name": ("full_name", "invalid"),
}


@pytest.fixture
async def admin(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the gateway holding the bootstrap admin's token."""
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
        response = await client.post(
            "/api/v1/auth/token",
            data={
                "grant_type": "password",
                "username": gateway.admin_email,
                "password": gateway.admin_password,
            },
        )
        assert response.status_code == 200, response.text
        client.headers["authorization"] = f"Bearer {response.json()['access_token']}"
        yield client


async def _upload(client: httpx.AsyncClient, path: Path, **options: str) -> dict[str, Any]:
    with path.open("rb") as file:
        response = await client.post(
            "/api/v1/imports/", files={"file": (path.name, file, "text/csv")}, data=options
        )
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/api/v1/imports/{response.json()['id']}"
    body: dict[str, Any] = response.json()
    return body


async def _finished(client: httpx.AsyncClient, import_id: str, within: float = 120) -> dict[str, Any]:
    job: dict[str, Any] = {}

    async def done() -> bool:
        job.update((await client.get(f"/api/v1/imports/{import_id}")).json())
        return job["status"] in ("completed", "failed", "cancelled")

    await wait_until(done, within=within, interval=0.5)
    return job


async def _errors(client: httpx.AsyncClient, import_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"limit": "1000", **({"cursor": cursor} if cursor else {})}
        page = (await client.get(f"/api/v1/imports/{import_id}/errors", params=params)).json()
        found += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def _emails_of_rows(path: Path, skip: set[int]) -> set[str]:
    """Normalised emails of the file's data rows (row 2 is the first), except rows in ``skip``."""
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    return {row[0].strip().lower() for number, row in enumerate(rows[1:], start=2) if number not in skip}


async def _stack_emails(database_server_url: str, database: str, query: str, domain: str) -> set[str]:
    engine = create_async_engine(make_url(database_server_url).set(database=database))
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text(query), {"pattern": f"%@{domain}"})
            return {row[0] for row in rows}
    finally:
        await engine.dispose()


async def _accounts(url: str, domain: str) -> set[str]:
    return await _stack_emails(
        url, "switchyard_auth", "SELECT email FROM accounts WHERE email LIKE :pattern", domain
    )


async def _profiles(url: str, domain: str) -> set[str]:
    return await _stack_emails(
        url, "switchyard_users", "SELECT email FROM profiles WHERE email LIKE :pattern", domain
    )


async def _invitations(url: str, domain: str) -> set[str]:
    query = "SELECT recipient FROM deliveries WHERE template = 'invitation' AND recipient LIKE :pattern"
    return await _stack_emails(url, "switchyard_notifications", query, domain)


def _domain() -> str:
    return f"imp{uuid.uuid4().hex[:10]}.test"


# First: invitations are bulk emails, sent in order, so this one must not queue behind the 10,000 below.
async def test_an_invitation_email_arrives_and_its_link_sets_the_first_password(
    admin: httpx.AsyncClient, gateway: Gateway
) -> None:
    sink = MailSink(local_stack_dir() / "mail")
    name = f"inv{uuid.uuid4().hex[:10]}"
    address = f"{name}@example.com"
    content = f"Email,Username,Full_Name\n{address},{name},Ada Invited\n".encode()

    response = await admin.post(
        "/api/v1/imports/",
        files={"file": ("one.csv", io.BytesIO(content), "text/csv")},
        data={"notify": "true"},
    )
    assert response.status_code == 202, response.text
    job = await _finished(admin, response.json()["id"])
    assert (job["status"], job["succeeded"]) == ("completed", 1)

    await wait_until(lambda: _true(bool(sink.links(address, "/accept-invitation"))), within=30, interval=0.2)
    (link,) = sink.links(address, "/accept-invitation")
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as anonymous:
        accepted = await anonymous.post(
            "/api/v1/auth/invitations/accept", json={"token": link_token(link), "password": PASSWORD}
        )
        assert accepted.status_code == 204, accepted.text
        login = await anonymous.post(
            "/api/v1/auth/token", data={"grant_type": "password", "username": name, "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        again = await anonymous.post(
            "/api/v1/auth/invitations/accept", json={"token": link_token(link), "password": PASSWORD}
        )
        assert again.status_code == 400, again.text


@pytest.mark.parametrize("notify", [False, True])
async def test_ten_thousand_rows_with_three_percent_bad_become_exactly_the_good_accounts(
    admin: httpx.AsyncClient, database_server_url: str, tmp_path: Path, notify: bool
) -> None:
    domain, path = _domain(), tmp_path / "people.csv"
    counts = write_csv(path, 10_000, bad_share=0.03, domain=domain)
    assert counts.bad_total == 300

    job = await _finished(admin, (await _upload(admin, path, notify=str(notify).lower()))["id"])

    assert (job["status"], job["total"], job["processed"]) == ("completed", 10_000, 10_000)
    assert (job["succeeded"], job["failed"]) == (counts.good + counts.formula_names, 300)
    assert job["percent"] == 100.0
    errors = await _errors(admin, job["id"])
    assert Counter((e["column"], e["code"]) for e in errors) == Counter(
        {EXPECTED_ERRORS[kind]: number for kind, number in counts.bad.items()}
    )
    good = _emails_of_rows(path, skip={e["row_number"] for e in errors})
    assert len(good) == job["succeeded"]
    assert await _accounts(database_server_url, domain) == good
    profiles: set[str] = set()

    async def every_profile_exists() -> bool:
        profiles.update(await _profiles(database_server_url, domain))
        return len(profiles) >= len(good)

    await wait_until(every_profile_exists, within=60, interval=0.5)
    assert profiles == good
    if notify:
        invited: set[str] = set()

        async def every_invitation_queued() -> bool:
            invited.update(await _invitations(database_server_url, domain))
            return len(invited) >= len(good)

        await wait_until(every_invitation_queued, within=60, interval=0.5)
        assert invited == good
    else:
        assert await _invitations(database_server_url, domain) == set()


async def test_a_dry_run_checks_every_row_and_creates_nothing(
    admin: httpx.AsyncClient, database_server_url: str, tmp_path: Path
) -> None:
    domain, path = _domain(), tmp_path / "dry.csv"
    counts = write_csv(path, 2_000, bad_share=0.03, domain=domain)

    job = await _finished(admin, (await _upload(admin, path, dry_run="true"))["id"])

    assert (job["status"], job["dry_run"], job["total"]) == ("completed", True, 2_000)
    assert (job["succeeded"], job["failed"]) == (counts.good + counts.formula_names, counts.bad_total)
    assert len(await _errors(admin, job["id"])) == counts.bad_total
    assert await _accounts(database_server_url, domain) == set()


async def _true(value: bool) -> bool:
    return value
