"""kill -9 of ingest, then of auth, in the middle of a 100,000-row import: nothing lost, nothing doubled.

Both run as real processes (``python -m switchyard.<service>``) on databases and topics of this
test's own; ingest keeps the upload in a directory that outlives its process, as a volume would.
After each SIGKILL the service is started again and the import goes on from its last checkpoint.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import func, select

from switchyard.auth.adapters.orm import accounts
from switchyard.cli.generate import write_csv
from switchyard.common.runtime import ServiceSettings
from switchyard.common.runtime.settings import JwtSettings
from switchyard.common.testing import DatabaseFactory, wait_until
from switchyard.common.testing.services import ServiceProcess, start_service_process
from switchyard.ingest.domain.columns import resolve_columns
from switchyard.ingest.domain.rows import ValidRow, check_row

pytestmark = pytest.mark.integration

ROWS = 100_000
ADMIN_EMAIL, ADMIN_PASSWORD = "crash-admin@example.com", "sturdy walrus naps beside a warm kettle"


class Platform:
    """auth and ingest processes that a test can kill and start again with the same settings."""

    def __init__(self, auth: ServiceSettings, ingest: ServiceSettings, storage: Path, logs: Path) -> None:
        self.settings = {"auth": auth, "ingest": ingest}
        self.env = {
            "auth": {
                "AUTH_BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
                "AUTH_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
            },
            "ingest": {"INGEST_STORAGE_DIR": str(storage), "INGEST_PROGRESS_INTERVAL_S": "0.2"},
        }
        self.logs = logs
        self.running: dict[str, ServiceProcess] = {}
        self.starts = 0

    async def start(self, service: str) -> ServiceProcess:
        self.starts += 1
        log = self.logs / f"{service}-{self.starts}.log"
        started = await start_service_process(
            service, self.settings[service], log=log, ready_within=60, extra_env=self.env[service]
        )
        self.running[service] = started
        return started

    async def kill(self, service: str) -> None:
        """SIGKILL: no shutdown hook runs, whatever was in flight is simply gone."""
        process = self.running.pop(service).process
        process.kill()
        assert await process.wait() == -9

    async def stop_all(self) -> None:
        for started in self.running.values():
            await started.stop()


@pytest.fixture
async def platform(
    make_database: DatabaseFactory, make_service_settings: Any, tmp_path: Path
) -> AsyncIterator[Platform]:
    auth_settings = await make_service_settings()
    # A port is picked at start, so ingest finds auth's key set through a URL fixed after auth starts.
    platform = Platform(auth_settings, auth_settings, tmp_path / "uploads", tmp_path)
    auth = await platform.start("auth")
    ingest_settings = msgspec.structs.replace(
        await make_service_settings(), jwt=JwtSettings(jwks_url=f"{auth.base_url}/.well-known/jwks.json")
    )
    platform.settings["ingest"] = ingest_settings
    await platform.start("ingest")
    try:
        yield platform
    finally:
        await platform.stop_all()


async def _admin_token(auth: ServiceProcess) -> str:
    async with httpx.AsyncClient(base_url=auth.base_url, timeout=30) as client:
        response = await client.post(
            "/token", data={"grant_type": "password", "username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def _job(platform: Platform, token: str, import_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=platform.running["ingest"].base_url, timeout=30) as client:
        response = await client.get(f"/{import_id}", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _wait_processed(platform: Platform, token: str, import_id: str, at_least: int) -> dict[str, Any]:
    job: dict[str, Any] = {}

    async def reached() -> bool:
        job.update(await _job(platform, token, import_id))
        return job["processed"] >= at_least or job["status"] in ("completed", "failed", "cancelled")

    await wait_until(reached, within=300, interval=0.2)
    return job


def _repeat_first_good_row(path: Path, domain: str) -> tuple[int, list[str]]:
    """Append a row with the first valid row's email and one with its username; (its number, rows)."""
    with path.open(encoding="utf-8", newline="") as file:
        header, *rows = list(zip(range(200), csv.reader(file), strict=False))
    columns = resolve_columns(header[1])
    number, email, username = next(
        (index + 1, checked.email, checked.username)
        for index, cells in rows
        if isinstance(checked := check_row(index + 1, cells, columns), ValidRow)
    )
    repeats = [f"{email},again.{number}.{domain.split('.')[0]},,", f"again.{number}@{domain},{username},,"]
    with path.open("a", encoding="utf-8", newline="") as file:
        file.write("".join(f"{line}\n" for line in repeats))
    return number, repeats


def _good_emails(path: Path, bad_rows: set[int]) -> set[str]:
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    return {row[0].strip().lower() for number, row in enumerate(rows[1:], start=2) if number not in bad_rows}


async def test_kill_9_of_ingest_then_of_auth_mid_import_loses_and_doubles_nothing(
    platform: Platform, make_database: DatabaseFactory, tmp_path: Path
) -> None:
    domain = f"crash{uuid.uuid4().hex[:8]}.test"
    path = tmp_path / "people.csv"
    counts = write_csv(path, ROWS, bad_share=0.03, domain=domain)
    # Two rows at the very end repeat row `first`'s email and username: past both kills, so only the
    # claims the importer stored with its checkpoints (read back at each restart) can refuse them.
    first, repeats = _repeat_first_good_row(path, domain)
    token = await _admin_token(platform.running["auth"])
    async with httpx.AsyncClient(base_url=platform.running["ingest"].base_url, timeout=120) as client:
        with path.open("rb") as file:
            response = await client.post(
                "/",
                files={"file": ("people.csv", file, "text/csv")},
                data={"notify": "false"},
                headers={"authorization": f"Bearer {token}"},
            )
    assert response.status_code == 202, response.text
    import_id = response.json()["id"]

    before = await _wait_processed(platform, token, import_id, at_least=ROWS // 5)
    assert before["status"] == "processing", before
    await platform.kill("ingest")
    await platform.start("ingest")
    during = await _wait_processed(platform, token, import_id, at_least=before["processed"] + ROWS // 5)
    assert during["status"] == "processing", during
    await platform.kill("auth")
    await platform.start("auth")
    await wait_until(lambda: _finished(platform, token, import_id), within=600, interval=0.5)

    job = await _job(platform, token, import_id)
    good, bad, rows = counts.good + counts.formula_names, counts.bad_total + len(repeats), ROWS + len(repeats)
    assert (job["status"], job["total"], job["processed"]) == ("completed", rows, rows)
    assert (job["succeeded"], job["failed"]) == (good, bad)
    errors = await _errors(platform, token, import_id)
    assert len(errors) == bad
    # Every repeated person was refused by ingest itself, none left to auth to refuse as existing.
    duplicates = [e for e in errors if e["code"] == "duplicate"]
    assert len(duplicates) == counts.bad["duplicate_email"] + counts.bad["duplicate_username"] + len(repeats)
    assert [(e["row_number"], e["message"]) for e in errors if e["row_number"] > ROWS + 1] == [
        (ROWS + 2, f"This email appears on row {first} already."),
        (ROWS + 3, f"This username appears on row {first} already."),
    ]
    expected = _good_emails(path, {error["row_number"] for error in errors})
    sessions = make_database.sessions(platform.settings["auth"].database.url)
    async with sessions() as session:
        created = (
            await session.execute(select(accounts.c.email).where(accounts.c.email.like(f"%@{domain}")))
        ).scalars()
        emails = list(created)
        total = (await session.execute(select(func.count()).select_from(accounts))).scalar_one()
    assert len(emails) == len(set(emails)) == good
    assert set(emails) == expected
    # Every account there is: this import's good rows, and the bootstrap admin.
    assert total == good + 1


async def _errors(platform: Platform, token: str, import_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    params: dict[str, str] = {"limit": "1000"}
    async with httpx.AsyncClient(base_url=platform.running["ingest"].base_url, timeout=60) as client:
        while True:
            response = await client.get(
                f"/{import_id}/errors", params=params, headers={"authorization": f"Bearer {token}"}
            )
            page = response.json()
            found += page["items"]
            if page["next_cursor"] is None:
                return found
            params["cursor"] = page["next_cursor"]


async def _finished(platform: Platform, token: str, import_id: str) -> bool:
    return (await _job(platform, token, import_id))["status"] in ("completed", "failed", "cancelled")
