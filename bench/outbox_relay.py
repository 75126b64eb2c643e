"""Outbox relay throughput against a real Kafka and PostgreSQL, next to a raw producer loop.

    .venv/bin/python bench/outbox_relay.py [--events 20000] [--rounds 3]

Environment: BENCH_DATABASE_URL (a server where the bench may create a database; default
the local stack's PostgreSQL, so run `make up` first), BENCH_KAFKA (bootstrap servers; default the
local stack's broker).

(a) relay: N events are committed to the outbox in one transaction (so one bundle row since
    switchyard.common.db.outbox_bundles; bench/README.md) while the relay idles
    (leading, producer connected); the clock runs from that commit until the relay has
    marked all N sent (Kafka acknowledged them).
(b) raw: an aiokafka producer with the same options (acks=all, idempotence, batch size,
    linger) sends the same payloads, keys and headers in the same batches (send the batch,
    then await all its acks) to a fresh topic with the same partition count.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy import MetaData, make_url

from switchyard.common.contracts import UserCreated, encode_envelope, to_envelope
from switchyard.common.db import (
    DatabaseSettings,
    SqlAlchemyUnitOfWork,
    add_messaging_tables,
    asyncpg_dsn,
    create_engine,
    create_session_factory,
)
from switchyard.common.messaging import KafkaSettings, OutboxRelay, create_producer, ensure_topics
from switchyard.common.messaging.topics import delete_topics
from switchyard.common.testing.infrastructure import read_local_stack


def _targets() -> tuple[str, str]:
    """PostgreSQL server URL and Kafka bootstrap: BENCH_* variables, else the running local stack."""
    database, kafka = os.environ.get("BENCH_DATABASE_URL"), os.environ.get("BENCH_KAFKA")
    if database and kafka:
        return database, kafka
    stack = read_local_stack(
        Path(os.environ.get("SWITCHYARD_STACK_DIR") or Path(__file__).parents[1] / ".stack")
    )
    return database or stack.database_url, kafka or stack.kafka_bootstrap


BATCH_SIZE = 1000  # the relay's default batch


def _event(n: int) -> UserCreated:
    return UserCreated(user_id=uuid.uuid4(), email=f"user{n}@example.com", username=f"user{n}", role="member")


async def _write_outbox(uow: SqlAlchemyUnitOfWork, events: int) -> float:
    started = time.perf_counter()
    async with uow:
        for n in range(events):
            uow.add_event(_event(n))
        await uow.commit()
    return time.perf_counter() - started


def _raw_rows(events: int) -> list[tuple[str, str, dict[str, str]]]:
    """What add_event stores for the same events: key, envelope JSON, trace headers (none here)."""
    rows: list[tuple[str, str, dict[str, str]]] = []
    for n in range(events):
        envelope = to_envelope(_event(n), source="bench")
        rows.append((envelope.key, encode_envelope(envelope).decode(), {}))
    return rows


async def _wait_relayed(relay: OutboxRelay, target: int) -> None:
    # Polled (2 ms resolution) so the relay itself carries no extra signalling.
    while relay.relayed < target:  # noqa: ASYNC110
        await asyncio.sleep(0.002)


async def _raw_round(kafka: KafkaSettings, topic: str, rows: list[tuple[str, str, dict[str, str]]]) -> float:
    producer = create_producer(kafka, client_id="bench-raw")
    await producer.start()
    try:
        started = time.perf_counter()
        for first in range(0, len(rows), BATCH_SIZE):
            futures = []
            for key, payload, headers in rows[first : first + BATCH_SIZE]:
                kafka_headers = [(k, v.encode()) for k, v in headers.items()]
                kafka_headers.append(("content-type", b"application/json"))
                futures.append(
                    await producer.send(
                        topic, value=payload.encode(), key=key.encode(), headers=kafka_headers
                    )
                )
            await asyncio.gather(*futures)
        return time.perf_counter() - started
    finally:
        await producer.stop()


async def main(events: int, rounds: int) -> None:
    server_url, bootstrap = _targets()
    run = uuid.uuid4().hex[:8]
    database = f"sy_bench_{run}"
    kafka = KafkaSettings(bootstrap_servers=bootstrap, topic_prefix=f"bench{run}-")
    raw_topic = kafka.topic("bench.raw.v1")
    topics = [kafka.topic(UserCreated.TOPIC), raw_topic]
    admin = await asyncpg.connect(asyncpg_dsn(server_url))
    await admin.execute(f'CREATE DATABASE "{database}"')
    url = make_url(server_url).set(database=database).render_as_string(hide_password=False)
    engine = create_engine(DatabaseSettings(url=url))
    relay = OutboxRelay(database_url=url, kafka=kafka, service="bench", batch_size=BATCH_SIZE)
    try:
        metadata = MetaData()
        add_messaging_tables(metadata)
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        await ensure_topics(kafka, topics)
        sessions = create_session_factory(engine)
        relay_rates, raw_rates = [], []
        async with relay:
            await relay.wait_ready()
            for round_ in range(1, rounds + 1):
                write_seconds = await _write_outbox(SqlAlchemyUnitOfWork(sessions, source="bench"), events)
                started = time.perf_counter()
                await _wait_relayed(relay, round_ * events)
                relay_seconds = time.perf_counter() - started
                rows = _raw_rows(events)
                raw_seconds = await _raw_round(kafka, raw_topic, rows)
                relay_rates.append(events / relay_seconds)
                raw_rates.append(events / raw_seconds)
                size = sum(len(p) for _, p, _ in rows) / len(rows)
                print(
                    f"round {round_}: outbox write {write_seconds:.2f}s | relay {relay_seconds:.2f}s"
                    f" = {relay_rates[-1]:,.0f} ev/s | raw {raw_seconds:.2f}s = {raw_rates[-1]:,.0f} ev/s"
                    f" | ratio {relay_rates[-1] / raw_rates[-1]:.2f} | ~{size:.0f} B/event"
                )
        relay_rate, raw_rate = statistics.median(relay_rates), statistics.median(raw_rates)
        print(
            f"median over {rounds} rounds of {events:,} events: relay {relay_rate:,.0f} ev/s,"
            f" raw producer {raw_rate:,.0f} ev/s, relay/raw {relay_rate / raw_rate:.2f}"
        )
    finally:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
        await delete_topics(kafka, topics)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.rounds))
