"""The idempotent consumer against real Kafka and PostgreSQL: one effect per event."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import pytest
from faststream.kafka import KafkaBroker
from prometheus_client import REGISTRY
from sqlalchemy import Table, func, insert, select

from switchyard.common.contracts import Envelope, UserCreated, encode_envelope, to_envelope
from switchyard.common.db import SqlAlchemyUnitOfWork
from switchyard.common.messaging import (
    EventHandler,
    KafkaSettings,
    RetryPolicy,
    create_broker,
    create_producer,
    dead_letter_topic,
    subscribe,
)
from switchyard.common.testing import committed_offsets

pytestmark = pytest.mark.integration

UowFactory = Callable[[], SqlAlchemyUnitOfWork]
FAST_RETRY = RetryPolicy(max_attempts=4, base_delay=0.05, max_delay=0.1)


def _payload(event: UserCreated) -> bytes:
    return encode_envelope(to_envelope(event, source="users"))


def _user_created() -> UserCreated:
    return UserCreated(user_id=uuid.uuid4(), email="ada@example.com", username="ada", role="member")


async def _publish(kafka: KafkaSettings, *values: bytes, key: bytes = b"same-key") -> None:
    producer = create_producer(kafka, client_id="test-publisher")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(kafka.topic(UserCreated.TOPIC), value, key=key)
    finally:
        await producer.stop()


def _consumed(consumer_name: str, outcome: str) -> float:
    labels = {"service": "users", "consumer": consumer_name, "outcome": outcome}
    return REGISTRY.get_sample_value("switchyard_events_consumed_total", labels) or 0.0


async def _committed(kafka: KafkaSettings, consumer: str) -> int:
    return await committed_offsets(kafka, consumer, kafka.topic(UserCreated.TOPIC))


async def _run_consumer(
    kafka: KafkaSettings,
    uow_factory: UowFactory,
    handler: EventHandler[UserCreated, SqlAlchemyUnitOfWork],
    name: str,
) -> KafkaBroker:
    broker = create_broker(kafka, service="users", graceful_timeout=0.5)
    subscribe(
        broker,
        UserCreated,
        handler,
        service="users",
        kafka=kafka,
        uow_factory=uow_factory,
        name=name,
        retry=FAST_RETRY,
    )
    await broker.start()
    return broker


async def _effects(uow_factory: UowFactory, table: Table) -> int:
    async with uow_factory() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(table))).scalar_one())


async def test_same_event_delivered_twice_has_one_effect(
    messaging_kafka: KafkaSettings,
    uow_factory: UowFactory,
    effects_table: Table,
    consumer_name: str,
    wait_until,
):
    event = _user_created()
    payload = _payload(event)
    calls: list[uuid.UUID] = []

    async def on_user_created(event: UserCreated, envelope: Envelope, uow: SqlAlchemyUnitOfWork) -> None:
        calls.append(envelope.id)
        await uow.session.execute(insert(effects_table).values(event_id=uuid.uuid4(), note=event.username))

    await _publish(messaging_kafka, payload, payload)
    broker = await _run_consumer(messaging_kafka, uow_factory, on_user_created, consumer_name)
    try:
        await wait_until(lambda: _true(_consumed(consumer_name, "duplicate") == 1))
    finally:
        await broker.stop()

    assert len(calls) == 1
    assert _consumed(consumer_name, "processed") == 1
    assert await _effects(uow_factory, effects_table) == 1
    assert await _committed(messaging_kafka, consumer_name) == 2


async def test_event_interrupted_mid_handler_is_redelivered(
    messaging_kafka: KafkaSettings,
    uow_factory: UowFactory,
    effects_table: Table,
    consumer_name: str,
    wait_until,
):
    """With FastStream's default ACK_FIRST the offset would be committed already and the event lost."""
    entered = asyncio.Event()
    crash_in_handler = True

    async def on_user_created(event: UserCreated, envelope: Envelope, uow: SqlAlchemyUnitOfWork) -> None:
        await uow.session.execute(insert(effects_table).values(event_id=envelope.id, note=event.username))
        if crash_in_handler:
            entered.set()
            await asyncio.Event().wait()  # until the shutdown cancels it

    await _publish(messaging_kafka, _payload(_user_created()))
    broker = await _run_consumer(messaging_kafka, uow_factory, on_user_created, consumer_name)
    try:
        await asyncio.wait_for(entered.wait(), 30)
        assert await _committed(messaging_kafka, consumer_name) == 0
    finally:
        await broker.stop()  # cancels the stuck handler after the graceful timeout
    assert await _effects(uow_factory, effects_table) == 0

    crash_in_handler = False
    broker = await _run_consumer(messaging_kafka, uow_factory, on_user_created, consumer_name)
    try:
        await wait_until(lambda: _true(_consumed(consumer_name, "processed") == 1))
    finally:
        await broker.stop()

    assert await _effects(uow_factory, effects_table) == 1
    assert await _committed(messaging_kafka, consumer_name) == 1


async def test_transient_failures_are_retried_in_fresh_transactions(
    messaging_kafka: KafkaSettings,
    uow_factory: UowFactory,
    effects_table: Table,
    consumer_name: str,
    read_topic,
    wait_until,
):
    attempts = 0

    async def on_user_created(event: UserCreated, envelope: Envelope, uow: SqlAlchemyUnitOfWork) -> None:
        nonlocal attempts
        attempts += 1
        # Written every time: a failed attempt's write must roll back, or the retry would conflict.
        await uow.session.execute(insert(effects_table).values(event_id=envelope.id, note=event.username))
        if attempts < 3:
            raise ConnectionError("mail server not answering")

    await _publish(messaging_kafka, _payload(_user_created()))
    broker = await _run_consumer(messaging_kafka, uow_factory, on_user_created, consumer_name)
    try:
        await wait_until(lambda: _true(_consumed(consumer_name, "processed") == 1))
    finally:
        await broker.stop()

    assert attempts == 3
    assert await _effects(uow_factory, effects_table) == 1
    assert await read_topic(messaging_kafka.topic(dead_letter_topic("users"))) == []


async def _true(value: bool) -> bool:
    return value


async def test_a_record_with_a_header_that_is_not_utf8_is_applied_with_its_batch(
    messaging_kafka: KafkaSettings,
    uow_factory: UowFactory,
    effects_table: Table,
    consumer_name: str,
    wait_until,
):
    """FastStream would refuse the whole batch over it, and the next commit would skip it unapplied."""
    names: list[str] = []

    async def on_user_created(event: UserCreated, envelope: Envelope, uow: SqlAlchemyUnitOfWork) -> None:
        names.append(event.username)
        await uow.session.execute(insert(effects_table).values(event_id=envelope.id, note=event.username))

    events = [
        UserCreated(user_id=uuid.uuid4(), email=f"{n}@example.com", username=n, role="user")
        for n in ("before", "odd", "after")
    ]
    producer = create_producer(messaging_kafka, client_id="test-publisher")
    await producer.start()
    try:
        for event in events:
            headers = [("x-odd", b"\xff\xfe not utf-8")] if event.username == "odd" else []
            await producer.send_and_wait(
                messaging_kafka.topic(UserCreated.TOPIC), _payload(event), key=b"same-key", headers=headers
            )
    finally:
        await producer.stop()
    broker = await _run_consumer(messaging_kafka, uow_factory, on_user_created, consumer_name)
    try:
        await wait_until(lambda: _true(_consumed(consumer_name, "processed") == 3))
    finally:
        await broker.stop()

    assert names == ["before", "odd", "after"]
    assert await _effects(uow_factory, effects_table) == 3
    assert await _committed(messaging_kafka, consumer_name) == 3
