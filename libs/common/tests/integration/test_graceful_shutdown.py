"""Stopping the messaging parts mid-work: nothing half done is left behind.

The relay settles the batch it sent (acknowledged rows leave the outbox, so nothing goes twice);
a subscriber finishes the batch in hand, commits its offsets and leaves its group. The services'
own drills (``test_graceful_shutdown.py`` in each service) do the same to whole processes.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Callable, Sequence

import msgspec
import pytest
from faststream.kafka import KafkaBroker
from sqlalchemy import Table, func, insert, select

from switchyard.common.contracts import Envelope, UserCreated, decode_envelope, encode_envelope, to_envelope
from switchyard.common.db import SqlAlchemyUnitOfWork
from switchyard.common.db.outbox_bundles import decode_bundle
from switchyard.common.db.tables import OUTBOX
from switchyard.common.messaging import KafkaSettings, OutboxRelay, create_broker, create_producer, subscribe
from switchyard.common.testing import committed_offsets
from switchyard.common.testing.kafka import group_members

pytestmark = pytest.mark.integration

UowFactory = Callable[[], SqlAlchemyUnitOfWork]
ROWS, RELAY_BATCH = 6000, 500


def _user_created(n: int) -> UserCreated:
    return UserCreated(user_id=uuid.uuid4(), email=f"u{n}@example.com", username=f"u{n}", role="user")


async def _write_outbox(uow_factory: UowFactory, rows: int) -> list[uuid.UUID]:
    written: list[uuid.UUID] = []
    for start in range(0, rows, 1000):
        async with uow_factory() as uow:
            written += [uow.add_event(_user_created(n)).id for n in range(start, start + 1000)]
            await uow.commit()
    return written


async def _outbox_ids(uow_factory: UowFactory) -> list[uuid.UUID]:
    """The events still in the outbox: each commit of a thousand wrote them as one bundle."""
    async with uow_factory() as uow:
        rows = (await uow.session.execute(select(OUTBOX.c.event_id, OUTBOX.c.records))).all()
    ids: list[uuid.UUID] = []
    for event_id, records in rows:
        if records is None:
            ids.append(event_id)
        else:
            ids += (uuid.UUID(event.id) for event in decode_bundle(records))
    return ids


async def test_a_relay_stopped_mid_round_settles_what_it_sent_and_the_next_sends_the_rest_once(
    uow_factory: UowFactory,
    messaging_database_url: str,
    messaging_kafka: KafkaSettings,
    read_topic,
    wait_until,
):
    written = await _write_outbox(uow_factory, ROWS)
    topic = messaging_kafka.topic(UserCreated.TOPIC)

    def relay() -> OutboxRelay:
        return OutboxRelay(
            database_url=messaging_database_url,
            kafka=messaging_kafka,
            service="users",
            batch_size=RELAY_BATCH,
        )

    first = relay()
    await first.start()
    # Checked at every turn of the loop the relay runs in, so the stop comes right after its first
    # batch: thousands of rows are still to go.
    await wait_until(lambda: _true(first.relayed >= RELAY_BATCH), interval=0)
    await first.stop()

    left = await _outbox_ids(uow_factory)
    sent = [decode_envelope(record.value or b"").id for record in await read_topic(topic)]
    assert left, "stopped before the outbox was empty: the stop came mid-work"
    assert set(sent) & set(left) == set(), "a row Kafka has is still in the outbox: it would go twice"
    assert sorted(sent + left) == sorted(written)
    assert first.relayed == len(sent)

    async with relay() as second:
        await wait_until(lambda: _true(second.relayed == len(left)))
    relayed = Counter(decode_envelope(record.value or b"").id for record in await read_topic(topic))
    assert relayed == Counter(written)


async def test_a_stopping_subscriber_finishes_its_batch_commits_it_and_leaves_its_group(
    uow_factory: UowFactory,
    effects_table: Table,
    messaging_kafka: KafkaSettings,
    consumer_name: str,
    wait_until,
):
    kafka = msgspec.structs.replace(messaging_kafka, consume_batch_size=10)
    published = await _publish(kafka, [_user_created(n) for n in range(50)])
    in_hand, release = asyncio.Event(), asyncio.Event()
    batches: list[int] = []

    async def apply(batch: Sequence[tuple[UserCreated, Envelope]], uow: SqlAlchemyUnitOfWork) -> None:
        batches.append(len(batch))
        await uow.session.execute(
            insert(effects_table),
            [{"event_id": envelope.id, "note": event.username} for event, envelope in batch],
        )
        in_hand.set()
        await release.wait()

    broker = _broker(kafka, uow_factory, apply, consumer_name)
    await broker.start()
    await asyncio.wait_for(in_hand.wait(), 30)
    stopping = asyncio.create_task(broker.stop())
    await wait_until(lambda: _true(not any(sub.running for sub in broker.subscribers)))
    release.set()
    await stopping

    assert len(batches) == 1, "no batch is taken once stopping has begun"
    applied = await _effects(uow_factory, effects_table)
    assert applied == batches[0] > 0
    assert await committed_offsets(kafka, consumer_name, kafka.topic(UserCreated.TOPIC)) == applied
    assert await group_members(kafka, consumer_name) == 0

    # The next member starts where the stopped one committed: the rest once, nothing twice.
    restarted = _broker(kafka, uow_factory, apply, consumer_name)
    await restarted.start()
    try:
        await wait_until(lambda: _effects_are(uow_factory, effects_table, len(published)))
    finally:
        await restarted.stop()
    async with uow_factory() as uow:
        ids = list((await uow.session.execute(select(effects_table.c.event_id))).scalars())
    assert sorted(ids) == sorted(published)


def _broker(kafka: KafkaSettings, uow_factory: UowFactory, apply, name: str) -> KafkaBroker:
    async def unused(event: UserCreated, envelope: Envelope, uow: SqlAlchemyUnitOfWork) -> None:
        raise AssertionError("the batch handler replaces it")

    broker = create_broker(kafka, service="users", graceful_timeout=30)
    subscribe(
        broker, UserCreated, unused, service="users", kafka=kafka, uow_factory=uow_factory, name=name,
        batch_handler=apply,
    )  # fmt: skip
    return broker


async def _publish(kafka: KafkaSettings, events: Sequence[UserCreated]) -> list[uuid.UUID]:
    producer = create_producer(kafka, client_id="switchyard-tests")
    await producer.start()
    try:
        envelopes = [to_envelope(event, source="users") for event in events]
        for envelope in envelopes:
            await producer.send_and_wait(
                kafka.topic(UserCreated.TOPIC), encode_envelope(envelope), key=envelope.key.encode()
            )
    finally:
        await producer.stop()
    return [envelope.id for envelope in envelopes]


async def _effects(uow_factory: UowFactory, table: Table) -> int:
    async with uow_factory() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(table))).scalar_one())


async def _effects_are(uow_factory: UowFactory, table: Table, count: int) -> bool:
    return await _effects(uow_factory, table) == count


async def _true(value: bool) -> bool:
    return value
