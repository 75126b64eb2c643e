"""The outbox relay against real PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Callable

import asyncpg
import msgspec
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import MessageSizeTooLargeError
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import REGISTRY
from sqlalchemy import Table, insert, select

from switchyard.common.contracts import Envelope, UserCreated, UserDeleted, decode_envelope
from switchyard.common.db import SqlAlchemyUnitOfWork
from switchyard.common.db.engine import asyncpg_dsn
from switchyard.common.db.outbox_bundles import BUNDLE_TOPIC, decode_bundle
from switchyard.common.db.tables import OUTBOX
from switchyard.common.messaging import KafkaSettings, OutboxRelay, RetryPolicy, create_broker, subscribe
from switchyard.common.messaging.broker import create_admin, create_producer
from switchyard.common.messaging.metrics import OUTBOX_BACKLOG
from switchyard.common.messaging.outbox_batches import send_batch
from switchyard.common.messaging.outbox_store import OutboxConnection, OutboxRow
from switchyard.common.messaging.partitioner import key_partitioner
from switchyard.common.testing import free_port

pytestmark = pytest.mark.integration

UowFactory = Callable[[], SqlAlchemyUnitOfWork]
FAST_BACKOFF = RetryPolicy(base_delay=0.1, max_delay=0.3)


def _relay(database_url: str, kafka: KafkaSettings, *, batch_size: int = 1000) -> OutboxRelay:
    return OutboxRelay(
        database_url=database_url,
        kafka=kafka,
        service="users",
        poll_interval=0.5,
        backoff=FAST_BACKOFF,
        batch_size=batch_size,
    )


async def _leader_and_follower(database_url: str, kafka: KafkaSettings) -> tuple[OutboxRelay, OutboxRelay]:
    """Two relays of one service, started in turn: the first leads, the second waits to."""
    leader, follower = _relay(database_url, kafka), _relay(database_url, kafka)
    await leader.start()
    await leader.wait_ready()
    await follower.start()
    return leader, follower


def _user_created() -> UserCreated:
    return UserCreated(user_id=uuid.uuid4(), email="ada@example.com", username="ada", role="member")


async def test_state_and_event_committed_together_reach_a_consumer_once(
    uow_factory: UowFactory,
    effects_table: Table,
    messaging_database_url: str,
    messaging_kafka: KafkaSettings,
    consumer_name: str,
    read_topic,
    wait_until,
):
    event = _user_created()
    with TracerProvider().get_tracer("test").start_as_current_span("POST /users") as span:
        async with uow_factory() as uow:
            await uow.session.execute(insert(effects_table).values(event_id=uuid.uuid4(), note="user row"))
            sent = uow.add_event(event)
            await uow.commit()

    received: list[tuple[UserCreated, Envelope]] = []

    async def on_user_created(event: UserCreated, envelope: Envelope, uow: SqlAlchemyUnitOfWork) -> None:
        received.append((event, envelope))

    broker = create_broker(messaging_kafka, service="users")
    subscribe(
        broker, UserCreated, on_user_created, service="users", kafka=messaging_kafka,
        uow_factory=uow_factory, name=consumer_name,
    )  # fmt: skip
    relay = _relay(messaging_database_url, messaging_kafka)
    await broker.start()
    try:
        async with relay:
            await wait_until(lambda: _true(len(received) == 1))
            # The consumer may see the event before the relay has deleted the acknowledged row.
            await wait_until(lambda: _outbox_empty(uow_factory))
    finally:
        await broker.stop()

    ((got, envelope),) = received
    assert got == event
    assert (envelope.id, envelope.source, envelope.key) == (sent.id, "test", str(event.user_id))
    (record,) = await read_topic(messaging_kafka.topic(UserCreated.TOPIC))
    assert record.key == str(event.user_id).encode()
    traceparent = dict(record.headers)["traceparent"].decode()
    assert traceparent.split("-")[1] == format(span.get_span_context().trace_id, "032x")
    assert await _outbox_empty(uow_factory), "relayed rows leave the outbox"


async def _outbox_empty(uow_factory: UowFactory) -> bool:
    async with uow_factory() as uow:
        return (await uow.session.execute(select(OUTBOX))).all() == []


async def test_event_written_while_kafka_is_unreachable_arrives_once_it_is_reachable(
    uow_factory: UowFactory,
    messaging_database_url: str,
    messaging_kafka: KafkaSettings,
    read_topic,
    wait_until,
):
    async with uow_factory() as uow:
        sent = uow.add_event(_user_created())
        await uow.commit()
    port = free_port()
    unreachable = msgspec.structs.replace(messaging_kafka, bootstrap_servers=f"127.0.0.1:{port}")
    failures_before = _relay_failures()
    OUTBOX_BACKLOG.labels(service="users").set(-1)  # not a value an earlier test could have left

    async with _relay(messaging_database_url, unreachable) as relay:
        await wait_until(lambda: _true(_relay_failures() >= failures_before + 2))
        assert relay.relayed == 0
        # The backlog gauge is refreshed during the outage, when it matters.
        await wait_until(lambda: _true(_backlog() == 1))
        async with uow_factory() as uow:
            assert (await uow.session.execute(select(OUTBOX.c.event_id))).scalar_one() == sent.id

        async with _KafkaProxy(port, messaging_kafka.servers[0]):
            await wait_until(lambda: _true(relay.relayed == 1))

    (record,) = await read_topic(messaging_kafka.topic(UserCreated.TOPIC))
    assert decode_envelope(record.value).id == sent.id


async def test_events_keep_their_order_per_key(
    uow_factory: UowFactory,
    messaging_database_url: str,
    messaging_kafka: KafkaSettings,
    read_topic,
    wait_until,
):
    users = [uuid.uuid4() for _ in range(4)]
    written: dict[str, list[uuid.UUID]] = {str(u): [] for u in users}
    # Commits of 4, 3, 2 and 1 events: bundles and single rows, relayed 3 events a round at most
    # (a bundle goes whole, so a round may take more).
    for round_ in range(12):
        async with uow_factory() as uow:
            for user in users[round_ % 4 :]:
                written[str(user)].append(uow.add_event(UserDeleted(user_id=user)).id)
            await uow.commit()

    async with _relay(messaging_database_url, messaging_kafka, batch_size=3) as relay:
        await wait_until(lambda: _true(relay.relayed == sum(map(len, written.values()))))

    relayed: dict[str, list[uuid.UUID]] = {key: [] for key in written}
    for record in await read_topic(messaging_kafka.topic(UserDeleted.TOPIC)):
        relayed[record.key.decode()].append(decode_envelope(record.value).id)
    assert relayed == written


async def test_a_relay_from_before_bundles_stops_at_one_and_sends_nothing_past_it(
    uow_factory: UowFactory, messaging_database_url: str, messaging_kafka: KafkaSettings, read_topic
):
    """During a rollout an old replica may lead the relay: it reads a bundle as one event to publish
    to the bundle row's topic, which Kafka refuses, so it stops there as it does at any refusal."""
    async with uow_factory() as uow:
        uow.add_event(_user_created())
        await uow.commit()
    async with uow_factory() as uow:
        for _ in range(3):
            uow.add_event(_user_created())
        await uow.commit()
    async with uow_factory() as uow:
        uow.add_event(_user_created())
        await uow.commit()
    connection = await asyncpg.connect(asyncpg_dsn(messaging_database_url))
    try:
        # The relay's query before bundles.
        rows = [
            OutboxRow(r["id"], r["topic"], r["key"], r["payload"].encode(), [])
            for r in await connection.fetch("SELECT id, topic, key, payload, headers FROM outbox ORDER BY id")
        ]
    finally:
        await connection.close()
    assert [row.topic for row in rows] == [UserCreated.TOPIC, BUNDLE_TOPIC, UserCreated.TOPIC]
    producer = AIOKafkaProducer(
        bootstrap_servers=messaging_kafka.servers, request_timeout_ms=2000, partitioner=key_partitioner
    )
    await producer.start()
    try:
        sent = await send_batch(producer, messaging_kafka, rows)
        acknowledged = await sent.acknowledged_events()
    finally:
        await producer.stop()

    # The bundle's topic is refused while the round is packed, before anything is submitted: the
    # round's rows all stay, the one before the bundle too, and go again with the next round.
    assert not sent.complete
    assert acknowledged == []
    assert await read_topic(messaging_kafka.topic(UserCreated.TOPIC)) == []


async def test_a_bundle_kafka_has_the_start_of_keeps_only_the_rest(
    uow_factory: UowFactory,
    messaging_database_url: str,
    messaging_kafka: KafkaSettings,
    read_topic,
    wait_until,
):
    # The broker refuses the bundle's third event (over its topic's size limit) however often it
    # comes: the two before it, which Kafka has, must not go again each round.
    created_topic = messaging_kafka.topic(UserCreated.TOPIC)
    admin = create_admin(messaging_kafka, client_id="bundle-test")
    await admin.start()
    try:
        limit = ConfigResource(ConfigResourceType.TOPIC, created_topic, configs={"max.message.bytes": "1000"})
        await admin.alter_configs([limit])
    finally:
        await admin.close()
    await _refused_as_too_large(messaging_kafka, created_topic, wait_until)
    first, second, last = (UserDeleted(user_id=uuid.uuid4()) for _ in range(3))
    too_big = UserCreated(
        user_id=uuid.uuid4(), email="a" * 2000 + "@example.com", username="ada", role="user"
    )
    async with uow_factory() as uow:
        written = [uow.add_event(event).id for event in (first, second, too_big, last)]
        await uow.commit()
    failures_before = _relay_failures()

    async with _relay(messaging_database_url, messaging_kafka) as relay:
        await wait_until(lambda: _true(_relay_failures() >= failures_before + 3), within=60)

    deleted = Counter(
        decode_envelope(r.value).id for r in await read_topic(messaging_kafka.topic(UserDeleted.TOPIC))
    )
    assert (deleted[written[0]], deleted[written[1]]) == (1, 1)
    assert deleted[written[3]] >= 1  # after the refused event: it goes again with it
    assert relay.relayed == 2
    connection = await asyncpg.connect(asyncpg_dsn(messaging_database_url))
    try:
        row = await connection.fetchrow("SELECT record_count, records FROM outbox")
    finally:
        await connection.close()
    assert row["record_count"] == 2
    assert [uuid.UUID(event.id) for event in decode_bundle(row["records"])] == written[2:]


async def _refused_as_too_large(kafka: KafkaSettings, topic: str, wait_until) -> None:
    """Wait until the broker applies a topic's new size limit (a config change takes a moment)."""
    producer = create_producer(kafka, client_id="bundle-test-probe")
    await producer.start()

    async def refused() -> bool:
        try:
            await (await producer.send(topic, b"x" * 3000, key=b"probe"))
        except MessageSizeTooLargeError:
            return True
        return False

    try:
        await wait_until(refused, within=30, interval=0.2)
    finally:
        await producer.stop()


async def test_only_one_relay_leads_and_another_takes_over(
    uow_factory: UowFactory, messaging_database_url: str, messaging_kafka: KafkaSettings, wait_until
):
    first, second = await _leader_and_follower(messaging_database_url, messaging_kafka)
    try:
        async with uow_factory() as uow:
            uow.add_event(_user_created())
            await uow.commit()
        await wait_until(lambda: _true(first.relayed == 1))
        assert (second.relayed, second.producer) == (0, None)

        await first.stop()
        await asyncio.wait_for(second.wait_ready(), 15)
        async with uow_factory() as uow:
            uow.add_event(_user_created())
            await uow.commit()
        await wait_until(lambda: _true(second.relayed == 1))
    finally:
        await first.stop()
        await second.stop()


async def test_a_relay_waiting_to_lead_holds_up_no_concurrent_index_build(
    messaging_database_url: str, messaging_kafka: KafkaSettings
):
    # A replica that does not lead must not sit in a statement (it would hold a snapshot): CREATE
    # INDEX CONCURRENTLY, as a migration runs it during a rollout, waits for every older snapshot,
    # and vacuum cannot clean past one either.
    leader, follower = await _leader_and_follower(messaging_database_url, messaging_kafka)
    connection = await asyncpg.connect(asyncpg_dsn(messaging_database_url))
    try:
        await asyncio.sleep(1.0)  # the follower has tried the lock by now
        await asyncio.wait_for(
            connection.execute("CREATE INDEX CONCURRENTLY ix_test_consumer ON processed_events (consumer)"),
            15,
        )
        assert (follower.relayed, follower.producer) == (0, None)
    finally:
        await connection.close()
        await leader.stop()
        await follower.stop()


async def _true(value: bool) -> bool:
    return value


def _backlog() -> float | None:
    return REGISTRY.get_sample_value("switchyard_outbox_backlog", {"service": "users"})


async def test_backlog_is_the_span_of_waiting_ids(uow_factory: UowFactory, messaging_database_url: str):
    connection = await OutboxConnection.open(messaging_database_url)
    try:
        assert await connection.backlog() == 0
        for _ in range(5):
            async with uow_factory() as uow:
                uow.add_event(_user_created())
                await uow.commit()
        rows = await connection.unsent(10)
        assert await connection.backlog() == len(rows) == 5
        await connection.delete_relayed([rows[0].id, rows[1].id])
        assert await connection.backlog() == 3
        # A row relayed out of order leaves a gap the estimate still spans (an upper bound).
        await connection.delete_relayed([rows[3].id])
        assert await connection.backlog() == 3
        await connection.delete_relayed([rows[2].id, rows[4].id])
        assert await connection.backlog() == 0
        # A bundle is one row, however many events it holds.
        async with uow_factory() as uow:
            for _ in range(5):
                uow.add_event(_user_created())
            await uow.commit()
        assert (await connection.backlog(), len(await connection.unsent(10))) == (1, 5)
    finally:
        await connection.close()


def _relay_failures() -> float:
    return REGISTRY.get_sample_value("switchyard_outbox_relay_failures_total", {"service": "users"}) or 0.0


class _KafkaProxy:
    """Forward a local port to Kafka: the bootstrap address appears only when this starts."""

    def __init__(self, port: int, target: str) -> None:
        self._port = port
        self._host, target_port = target.rsplit(":", 1)
        self._target_port = int(target_port)
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> None:
        self._server = await asyncio.start_server(self._forward, "127.0.0.1", self._port)

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()
        for pipe in self._pipes:
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _forward(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        kafka_reader, kafka_writer = await asyncio.open_connection(self._host, self._target_port)
        for reader, writer in ((client_reader, kafka_writer), (kafka_reader, client_writer)):
            task = asyncio.create_task(_pipe(reader, writer))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()
