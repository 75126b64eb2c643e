"""SIGTERM to ``python -m switchyard.ingest`` while admins upload imports (the test answers their rows
as auth would) and erasures stream in: no request fails, no event is lost or applied twice, every
import completes and every outbox event reaches Kafka once.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import msgspec
import pytest
from sqlalchemy import func, select

from switchyard.common.contracts import (
    ImportRowOutcome,
    ImportRowsProcessed,
    UserDeleted,
    encode_envelope,
    to_envelope,
)
from switchyard.common.messaging import KafkaSettings
from switchyard.common.runtime.settings import JwtSettings
from switchyard.common.testing import DatabaseFactory, JwksServer, publish_raw
from switchyard.common.testing.shutdown import Load, ShutdownDrill, drill_settings
from switchyard.ingest.adapters.orm import erased_users, imports, onboarded_users

pytestmark = pytest.mark.integration


def _people(name: str) -> dict[str, tuple[str, bytes, str]]:
    """A file of one person: row 2."""
    return {"file": ("people.csv", f"email,username\n{name}@example.com,{name}\n".encode(), "text/csv")}


async def _answer_row_2(kafka: KafkaSettings, import_id: uuid.UUID, email: str) -> None:
    """What auth answers once it created row 2's account."""
    row = ImportRowOutcome(row_number=2, outcome="created", account_id=uuid.uuid4(), email=email)
    event = ImportRowsProcessed(import_id=import_id, rows=[row])
    value = encode_envelope(to_envelope(event, source="auth"))
    await publish_raw(kafka, kafka.topic(event.TOPIC), value, key=event.partition_key.encode())


async def test_sigterm_under_load_fails_no_request_and_loses_or_doubles_no_event(
    make_service_settings, make_database: DatabaseFactory, jwks_server: JwksServer, tmp_path: Path
) -> None:
    settings = drill_settings(
        msgspec.structs.replace(await make_service_settings(), jwt=JwtSettings(jwks_url=jwks_server.url))
    )
    run = uuid.uuid4().hex[:8]
    admin = jwks_server.bearer(uuid.uuid4(), roles=["admin"])

    async def upload(client: httpx.AsyncClient, n: int) -> None:
        started = await client.post("/", files=_people(f"p{run}n{n}"), headers=admin)
        if started.status_code == 202:
            await _answer_row_2(settings.kafka, uuid.UUID(started.json()["id"]), f"p{run}n{n}@example.com")

    def upload_slowly(client: httpx.AsyncClient) -> httpx.Request:
        # A dry run: it completes without answers.
        files, data = _people(f"p{run}slow"), {"dry_run": "true"}
        return client.build_request("POST", "/", files=files, data=data, headers=admin)

    def erasure(_n: int) -> UserDeleted:
        return UserDeleted(user_id=uuid.uuid4())

    sessions = make_database.sessions(settings.database.url)

    async def imports_ended() -> bool:
        async with sessions() as session:
            processing = select(func.count()).select_from(imports).where(imports.c.status == "processing")
            return (await session.execute(processing)).scalar_one() == 0

    load = Load(
        act=upload,
        slow=upload_slowly,
        event=erasure,
        consumer="ingest.on_user_deleted",
        settled=imports_ended,
    )
    env = {"INGEST_STORAGE_DIR": str(tmp_path / "uploads")}
    drill = ShutdownDrill("ingest", settings, sessions=sessions, logs=tmp_path, env=env)

    outcome = await drill.run(load)

    assert outcome.problems() == [], outcome.log_tail()
    async with sessions() as session:
        onboarded = list((await session.execute(select(onboarded_users.c.email))).scalars())
        erased = (await session.execute(select(func.count()).select_from(erased_users))).scalar_one()
        statuses = list((await session.execute(select(imports.c.status, imports.c.dry_run))).all())
    # Every import onboarded its one person once; every erasure left its one tombstone.
    assert len(onboarded) == len(set(onboarded)) == outcome.actions
    assert erased == len(outcome.published)
    assert sorted(statuses) == [("completed", False)] * outcome.actions + [("completed", True)]
    # Each real import announced its end once (the dry run does not).
    assert len(outcome.outbox_written) == outcome.actions
