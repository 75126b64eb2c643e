"""Poison messages go to the dead-letter topic with their provenance; replay brings them back."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import Callable

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Table, insert, select

from switchyard.common.contracts import Envelope, UserCreated, encode_envelope, to_envelope
from switchyard.common.db import SqlAlchemyUnitOfWork
from switchyard.common.messaging import (
    KafkaSettings,
    PermanentError,
    RetryPolicy,
    create_broker,
    create_producer,
    dead_letter_topic,
    subscribe,
)
from switchyard.common.messaging import dead_letter_publisher as dl
from switchyard.common.messaging.dead_letters import list_dead_letters

pytestmark = pytest.mark.integration

UowFactory = Callable[[], SqlAlchemyUnitOfWork]
FAST_RETRY = RetryPolicy(max_attempts=2, base_delay=0.05, max_delay=0.1)
KEY = b"one-partition"


def _user_created() -> UserCreated:
    return UserCreated(user_id=uuid.uuid4(), email="ada@example.com", username="ada", role="member")


async def _publish(kafka: KafkaSettings, *values: bytes) -> list[int]:
    producer = create_producer(kafka, client_id="test-publisher")
    await producer.start()
    try:
        return [
            (await producer.send_and_wait(kafka.topic(UserCreated.TOPIC), value, key=KEY)).offset
            for value in values
        ]
    finally:
        await producer.stop()


def _invalid_schema() -> bytes:
    wire = json.loads(encode_envelope(to_envelope(_user_created(), source="users")))
    wire["data"]["user_id"] = "not-a-uuid"
    return json.dumps(wire).encode()


def _dead_lettered(consumer: str, topic: str) -> float:
    labels = {"service": "users", "consumer": consumer, "topic": topic}
    return REGISTRY.get_sample_value("switchyard_events_dead_lettered_total", labels) or 0.0


async def test_poison_messages_are_dead_lettered_and_the_next_one_is_processed(
    messaging_kafka: KafkaSettings, uow_factory: UowFactory, consumer_name: str, read_topic, wait_until
):
    good = _user_created()
    garbage, invalid = b"\x00 not json at all", _invalid_schema()
    handled: list[UserCreated] = []

    async def on_user_created(event: UserCreated, envelope: Envelope, uow: SqlAlchemyUnitOfWork) -> None:
        handled.append(event)

    offsets = await _publish(
        messaging_kafka, garbage, invalid, encode_envelope(to_envelope(good, source="users"))
    )
    broker = create_broker(messaging_kafka, service="users")
    subscribe(
        broker, UserCreated, on_user_created, service="users", kafka=messaging_kafka,
        uow_factory=uow_factory, name=consumer_name, retry=FAST_RETRY,
    )  # fmt: skip
    await broker.start()
    try:
        await wait_until(lambda: _true(len(handled) == 1))
    finally:
        await broker.stop()

    assert handled == [good]
    source_topic = messaging_kafka.topic(UserCreated.TOPIC)
    letters = await read_topic(messaging_kafka.topic(dead_letter_topic("users")))
    assert [record.value for record in letters] == [garbage, invalid]
    first, second = ({k: v.decode() for k, v in record.headers} for record in letters)
    assert first[dl.ORIGINAL_TOPIC] == source_topic
    assert first[dl.ORIGINAL_OFFSET] == str(offsets[0])
    assert second[dl.ORIGINAL_OFFSET] == str(offsets[1])
    assert first[dl.ORIGINAL_PARTITION] == second[dl.ORIGINAL_PARTITION] == str(letters[0].partition)
    assert first[dl.ORIGINAL_KEY] == KEY.decode()
    assert letters[0].key == KEY
    assert first[dl.ERROR_CLASS] == "msgspec.DecodeError"
    assert second[dl.ERROR_CLASS] == "msgspec.ValidationError"
    assert "user_id" in second[dl.ERROR_MESSAGE]
    assert first[dl.CONSUMER] == consumer_name
    assert _dead_lettered(consumer_name, source_topic) == 2


async def test_event_out_of_retries_is_dead_lettered_then_replayed_by_the_command(
    messaging_kafka: KafkaSettings,
    uow_factory: UowFactory,
    effects_table: Table,
    consumer_name: str,
    wait_until,
):
    event = _user_created()
    mail_server_up = False
    attempts = 0

    async def on_user_created(event: UserCreated, envelope: Envelope, uow: SqlAlchemyUnitOfWork) -> None:
        nonlocal attempts
        attempts += 1
        if not mail_server_up:
            raise ConnectionRefusedError("smtp://mail:25 refused")
        await uow.session.execute(insert(effects_table).values(event_id=envelope.id, note="welcome sent"))

    (offset,) = await _publish(messaging_kafka, encode_envelope(to_envelope(event, source="users")))
    broker = create_broker(messaging_kafka, service="users")
    subscribe(
        broker, UserCreated, on_user_created, service="users", kafka=messaging_kafka,
        uow_factory=uow_factory, name=consumer_name, retry=FAST_RETRY,
    )  # fmt: skip
    await broker.start()
    try:
        await wait_until(lambda: _has_dead_letters(messaging_kafka))
        assert attempts == FAST_RETRY.max_attempts
        (letter,) = await list_dead_letters(messaging_kafka, "users")
        assert letter.headers[dl.ERROR_CLASS] == "builtins.ConnectionRefusedError"
        assert letter.headers[dl.ORIGINAL_OFFSET] == str(offset)

        listed = await _cli(messaging_kafka, "list", "--service", "users")
        assert f"{letter.partition}:{letter.offset}" in listed
        assert "ConnectionRefusedError: smtp://mail:25 refused" in listed

        mail_server_up = True
        await _cli(messaging_kafka, "replay", "--service", "users", "--offset", str(letter.offset))
        await wait_until(lambda: _effect_exists(uow_factory, effects_table))
    finally:
        await broker.stop()
    assert attempts == FAST_RETRY.max_attempts + 1


async def test_permanent_error_skips_the_retries(
    messaging_kafka: KafkaSettings, uow_factory: UowFactory, consumer_name: str, wait_until
):
    attempts = 0

    async def on_user_created(event: UserCreated, envelope: Envelope, uow: SqlAlchemyUnitOfWork) -> None:
        nonlocal attempts
        attempts += 1
        raise PermanentError("role 'member' is unknown here")

    await _publish(messaging_kafka, encode_envelope(to_envelope(_user_created(), source="users")))
    broker = create_broker(messaging_kafka, service="users")
    subscribe(
        broker, UserCreated, on_user_created, service="users", kafka=messaging_kafka,
        uow_factory=uow_factory, name=consumer_name, retry=RetryPolicy(max_attempts=5),
    )  # fmt: skip
    await broker.start()
    try:
        await wait_until(lambda: _has_dead_letters(messaging_kafka))
    finally:
        await broker.stop()
    assert attempts == 1


async def _cli(kafka: KafkaSettings, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "switchyard.common.messaging.dead_letters",
        "--bootstrap-servers", kafka.bootstrap_servers, "--prefix", kafka.topic_prefix, *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


async def _has_dead_letters(kafka: KafkaSettings) -> bool:
    return bool(await list_dead_letters(kafka, "users"))


async def _effect_exists(uow_factory: UowFactory, table: Table) -> bool:
    async with uow_factory() as uow:
        return (await uow.session.execute(select(table.c.note))).first() is not None


async def _true(value: bool) -> bool:
    return value
