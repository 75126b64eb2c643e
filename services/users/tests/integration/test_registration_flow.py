"""A registration crosses auth -> Kafka -> users and notifications, with effect exactly once.

auth, users and notifications run in-process (their real lifespans: migrations, outbox relay,
consumers), each on its own database, all under one test topic prefix.
"""

from __future__ import annotations

import uuid

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchyard.auth.bootstrap import bootstrap as auth_app
from switchyard.common.contracts import AccountRegistered, UserCreated, decode_envelope, decode_event_as
from switchyard.common.db.tables import OUTBOX, PROCESSED_EVENTS
from switchyard.common.messaging import KafkaSettings, dead_letter_topic
from switchyard.common.testing import committed_offsets, publish_raw
from switchyard.notifications.adapters.orm import deliveries
from switchyard.notifications.bootstrap import bootstrap as notifications_app
from switchyard.users.adapters.orm import profiles
from switchyard.users.bootstrap import bootstrap as users_app

pytestmark = pytest.mark.integration

# Consumer groups, named <service>.<subscriber> by switchyard.common.messaging.subscribe.
USERS_CONSUMER = "users.on_account_registered"
NOTIFICATIONS_CONSUMER = "notifications.on_account_registered"

type Sessions = async_sessionmaker[AsyncSession]


async def _rows(sessions: Sessions, table: Table) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


def _duplicates(service: str, consumer: str) -> float:
    labels = {"service": service, "consumer": consumer, "outcome": "duplicate"}
    return REGISTRY.get_sample_value("switchyard_events_consumed_total", labels) or 0.0


async def test_registration_creates_one_profile_one_user_created_and_one_delivery(
    make_service_settings, make_database, start_app, kafka_settings: KafkaSettings, read_topic, wait_until
):
    auth, users, notifications = [await make_service_settings() for _ in range(3)]
    clients = []
    for bootstrap, settings in ((auth_app, auth), (users_app, users), (notifications_app, notifications)):
        client = await start_app(bootstrap(settings))
        assert (await client.get("/health/ready")).status_code == 200
        clients.append(client)
    users_db, notifications_db = (make_database.sessions(s.database.url) for s in (users, notifications))
    username = f"ada-{uuid.uuid4().hex[:8]}"
    body = {
        "email": "Ada@Example.com",
        "username": username,
        "password": "amber falcon drifts over quiet harbor",
    }
    response = await clients[0].post("/register", json=body)
    assert response.status_code == 201, response.text
    account_id = uuid.UUID(response.json()["id"])

    async def users_done() -> bool:
        # The relay deletes an outbox row once Kafka acknowledged it: UserCreated is on its topic.
        return await _rows(users_db, profiles) == 1 and await _rows(users_db, OUTBOX) == 0

    async def notified() -> bool:
        return await _rows(notifications_db, deliveries) == 1

    await wait_until(users_done)
    await wait_until(notified)

    (registered,) = await read_topic(kafka_settings.topic(AccountRegistered.TOPIC))
    (created,) = await read_topic(kafka_settings.topic(UserCreated.TOPIC))
    user_created = decode_event_as(decode_envelope(created.value or b""), UserCreated)
    assert (user_created.user_id, user_created.email) == (account_id, "ada@example.com")
    assert created.key == str(account_id).encode()

    # The same record again, byte for byte: an at-least-once redelivery.
    duplicates_before = (
        _duplicates("users", USERS_CONSUMER),
        _duplicates("notifications", NOTIFICATIONS_CONSUMER),
    )
    await publish_raw(
        kafka_settings,
        registered.topic,
        registered.value or b"",
        key=registered.key,
        headers=registered.headers,
    )

    async def both_consumed_twice() -> bool:
        return all(
            [
                await committed_offsets(kafka_settings, group, registered.topic) == 2
                for group in (USERS_CONSUMER, NOTIFICATIONS_CONSUMER)
            ]
        )

    await wait_until(both_consumed_twice)

    # Both saw the second copy and recognised it (a rebalance may legitimately add more).
    assert _duplicates("users", USERS_CONSUMER) > duplicates_before[0]
    assert _duplicates("notifications", NOTIFICATIONS_CONSUMER) > duplicates_before[1]
    assert await _rows(users_db, profiles) == 1
    assert await _rows(users_db, PROCESSED_EVENTS) == 1
    assert await _rows(users_db, OUTBOX) == 0, "a duplicate must not queue a second UserCreated"
    assert len(await read_topic(kafka_settings.topic(UserCreated.TOPIC))) == 1
    async with notifications_db() as session:
        (delivery,) = (await session.execute(select(deliveries))).all()
    assert (delivery.recipient, delivery.template, delivery.user_id) == (
        "ada@example.com",
        "verify-email",
        account_id,
    )
    for service in ("users", "notifications"):
        assert await read_topic(kafka_settings.topic(dead_letter_topic(service))) == []
