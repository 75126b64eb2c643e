"""`python -m switchyard.users` as a real process: it migrates, consumes, prunes old processed-events
records, and shuts down gracefully."""

from __future__ import annotations

import signal
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import msgspec
import pytest
from sqlalchemy import insert, select

from switchyard.common.contracts import AccountRegistered, encode_envelope, to_envelope
from switchyard.common.db.tables import PROCESSED_EVENTS
from switchyard.common.messaging import KafkaSettings
from switchyard.common.runtime.settings import PruningSettings
from switchyard.common.testing import publish_raw
from switchyard.users.adapters.orm import profiles

pytestmark = pytest.mark.integration


async def test_process_consumes_an_account_registered_and_shuts_down_on_sigterm(
    make_service_settings, make_database, start_service, kafka_settings: KafkaSettings, wait_until
):
    settings = await make_service_settings()
    process = await start_service("users", settings)
    event = AccountRegistered(
        account_id=uuid.uuid4(),
        email="ada@example.com",
        username="ada",
        full_name="Ada Lovelace",
        email_verified=True,
        invited=False,
    )
    await publish_raw(
        kafka_settings,
        kafka_settings.topic(AccountRegistered.TOPIC),
        encode_envelope(to_envelope(event, source="auth")),
        key=event.partition_key.encode(),
    )
    sessions = make_database.sessions(settings.database.url)

    async def profile_exists() -> bool:
        async with sessions() as session:
            return list((await session.execute(select(profiles.c.id))).scalars()) == [event.account_id]

    await wait_until(profile_exists)
    async with httpx.AsyncClient(base_url=process.base_url) as client:
        ready = await client.get("/health/ready")
    assert ready.status_code == 200, ready.text

    # uvicorn re-raises SIGTERM once it has shut down gracefully, so -SIGTERM is a clean exit too;
    # a stop that needed SIGKILL would be -SIGKILL.
    assert await process.stop() in (0, -signal.SIGTERM), process.output()
    assert "Application shutdown complete." in process.output()


async def test_process_prunes_processed_events_records_past_their_retention(
    make_service_settings, make_database, start_service, wait_until
):
    settings = msgspec.structs.replace(
        await make_service_settings(),
        pruning=PruningSettings(processed_events_retention_days=35, prune_interval_s=0.2),
    )
    await start_service("users", settings)  # migrated on return
    sessions = make_database.sessions(settings.database.url)
    now = datetime.now(UTC)
    old, young = uuid.uuid4(), uuid.uuid4()
    async with sessions.begin() as session:
        await session.execute(
            insert(PROCESSED_EVENTS),
            [
                {
                    "consumer": "users.on_account_registered",
                    "event_id": old,
                    "processed_at": now - timedelta(days=36),
                },
                {
                    "consumer": "users.on_account_registered",
                    "event_id": young,
                    "processed_at": now - timedelta(days=34),
                },
            ],
        )

    async def records() -> set[uuid.UUID]:
        async with sessions() as session:
            return set((await session.execute(select(PROCESSED_EVENTS.c.event_id))).scalars())

    async def old_one_pruned() -> bool:
        return old not in await records()

    await wait_until(old_one_pruned, within=10)
    assert await records() == {young}
