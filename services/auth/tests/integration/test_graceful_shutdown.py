"""SIGTERM to ``python -m switchyard.auth`` while people register and import rows stream in: no
request fails, no row is lost or applied twice, every outbox event reaches Kafka exactly once.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from switchyard.auth.adapters.orm import accounts
from switchyard.auth.service_layer.invitations import account_id_for_row
from switchyard.common.contracts import ImportRowSubmitted
from switchyard.common.testing import DatabaseFactory
from switchyard.common.testing.shutdown import Load, ShutdownDrill, drill_settings

pytestmark = pytest.mark.integration

PASSWORD = "amber falcon drifts over quiet harbor"
# The cheapest hashing auth accepts: the drill is about shutting down, not about hashing.
FAST_HASHING = {"AUTH_ARGON2_MEMORY_KIB": "7168", "AUTH_ARGON2_TIME_COST": "1"}


def _registration(name: str) -> dict[str, str]:
    return {"email": f"{name}@example.com", "username": name, "password": PASSWORD}


async def test_sigterm_under_load_fails_no_request_and_loses_or_doubles_no_event(
    make_service_settings, make_database: DatabaseFactory, tmp_path: Path
) -> None:
    settings = drill_settings(await make_service_settings())
    run = uuid.uuid4().hex[:8]
    import_id = uuid.uuid4()

    async def register(client: httpx.AsyncClient, n: int) -> None:
        await client.post("/register", json=_registration(f"r{run}n{n}"))

    def register_slowly(client: httpx.AsyncClient) -> httpx.Request:
        return client.build_request("POST", "/register", json=_registration(f"r{run}slow"))

    def row(n: int) -> ImportRowSubmitted:
        name = f"i{run}n{n}"
        return ImportRowSubmitted(
            import_id=import_id,
            row_number=n + 2,
            email=f"{name}@example.com",
            username=name,
            full_name=None,
            role="user",
            notify=True,
        )

    load = Load(act=register, slow=register_slowly, event=row, consumer="auth.on_import_row_submitted")
    sessions = make_database.sessions(settings.database.url)
    drill = ShutdownDrill("auth", settings, sessions=sessions, logs=tmp_path, env=FAST_HASHING)

    outcome = await drill.run(load)

    assert outcome.problems() == [], outcome.log_tail()
    rows = len(outcome.published)
    async with sessions() as session:
        invited = (
            await session.execute(select(accounts.c.id).where(accounts.c.password_hash.is_(None)))
        ).all()
    assert sorted(account_id for (account_id,) in invited) == sorted(
        account_id_for_row(import_id, number) for number in range(2, rows + 2)
    )
