"""SIGTERM to a service process under HTTP and event load, then a restart: the shutdown drill.

The service runs as ``python -m switchyard.<service>`` on its own database and topics. A few
clients repeat an action, one request's body is still arriving when the listener closes, and
events it consumes are published throughout. After SIGTERM the clients behave like a load
balancer: they start nothing once ``/health/ready`` answers 503. Once the process has exited a
second one runs until every event published was applied and the outbox is empty.
:meth:`~switchyard.common.testing.shutdown_checks.DrillOutcome.problems` lists whatever a
graceful shutdown must not do.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import msgspec
from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchyard.common.contracts import IntegrationEvent, decode_envelope, encode_envelope, to_envelope
from switchyard.common.messaging import KafkaSettings, create_producer
from switchyard.common.messaging.topic_reader import read_topic
from switchyard.common.runtime import ServiceSettings
from switchyard.common.runtime.settings import ShutdownSettings
from switchyard.common.testing.kafka import committed_offsets, group_members
from switchyard.common.testing.services import ServiceProcess, start_service_process
from switchyard.common.testing.shutdown_checks import DrillOutcome
from switchyard.common.testing.waiting import wait_until

# A drain long enough for the clients to see the 503 before the listener closes, even when a
# loaded 2-core machine is slow to let the watcher poll (1 s was tight).
DRILL_SHUTDOWN = ShutdownSettings(drain_s=3.0)
# What the process may take beyond the worst case of its settings: interpreter start-up and exit
# on a busy machine. Past the bound Kubernetes would have killed it.
EXIT_MARGIN_S = 10.0
_CAPTURE_OUTBOX = (
    "CREATE TABLE drill_outbox_written (event_id uuid NOT NULL, topic text NOT NULL)",
    # A bundle (switchyard.common.db.outbox_bundles) holds its events as a JSON array of
    # [id, topic, key, payload].
    "CREATE FUNCTION drill_remember_outbox() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    " IF NEW.records IS NULL THEN INSERT INTO drill_outbox_written VALUES (NEW.event_id, NEW.topic);"
    " ELSE INSERT INTO drill_outbox_written SELECT (e->>0)::uuid, e->>1"
    " FROM json_array_elements(convert_from(NEW.records, 'UTF8')::json) AS e; END IF;"
    " RETURN NEW; END $$",
    "CREATE TRIGGER drill_remember_outbox AFTER INSERT ON outbox"
    " FOR EACH ROW EXECUTE FUNCTION drill_remember_outbox()",
)

type Action = Callable[[httpx.AsyncClient, int], Awaitable[object]]


@dataclass(frozen=True)
class Load:
    """What the service is sent: ``act(client, n)`` by each client in turn (every answer must be
    2xx), ``slow(client)`` once with its body sent across the listener close, and ``event(n)``s for
    ``consumer`` (its processed-events name), after ``first_events`` (those the clients act on).
    The restarted process runs until ``settled()`` too (the work the events queued is done).
    """

    act: Action
    slow: Callable[[httpx.AsyncClient], httpx.Request]
    event: Callable[[int], IntegrationEvent]
    consumer: str
    first_events: Sequence[IntegrationEvent] = ()
    settled: Callable[[], Awaitable[bool]] | None = None
    clients: int = 3
    events_per_tick: int = 5


def drill_settings(settings: ServiceSettings) -> ServiceSettings:
    return msgspec.structs.replace(settings, shutdown=DRILL_SHUTDOWN)


class ShutdownDrill:
    """One service under load, SIGTERM, restart; see the module docstring."""

    def __init__(
        self,
        service: str,
        settings: ServiceSettings,
        *,
        sessions: async_sessionmaker[AsyncSession],
        logs: Path,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.service, self.settings, self.env = service, settings, dict(env or {})
        self.kafka: KafkaSettings = settings.kafka
        self._sessions = sessions
        self._logs = logs
        self._bound = settings.shutdown.worst_case_s + EXIT_MARGIN_S
        self._started: list[ServiceProcess] = []

    async def run(self, load: Load) -> DrillOutcome:
        outcome = DrillOutcome()
        try:
            await self._first_run(load, outcome)
        finally:
            for process in self._started:
                await process.stop(within=self._bound)
        return outcome

    async def _first_run(self, load: Load, outcome: DrillOutcome) -> None:
        first = await self._start(1)
        await self._sql(*_CAPTURE_OUTBOX)
        if load.first_events:
            producer = create_producer(self.kafka, client_id="switchyard-drill")
            await producer.start()
            try:
                outcome.published += await self._send(producer, load.first_events)
            finally:
                await producer.stop()

            async def applied() -> bool:
                return await self._all_applied(load.consumer, outcome.published)

            await wait_until(applied, within=60)
        stop_publishing = asyncio.Event()
        publisher = asyncio.create_task(self._publish(load, stop_publishing, outcome.published))
        try:
            await self._sigterm_under_load(first, load, outcome)
        finally:
            stop_publishing.set()
            await publisher
        outcome.applied_at_exit = len(await self._applied(load.consumer))
        topic = self.kafka.topic(load.event(0).TOPIC)
        outcome.committed_at_exit = await committed_offsets(self.kafka, load.consumer, topic)
        outcome.members_at_exit = await group_members(self.kafka, load.consumer)
        outcome.restart_exit_status = await self._catch_up(load, outcome)
        outcome.applied = await self._applied(load.consumer)
        written = await self._rows("SELECT event_id, topic FROM drill_outbox_written")
        outcome.outbox_written = [row[0] for row in written]
        for name in sorted({row[1] for row in written}):
            records = await read_topic(self.kafka, self.kafka.topic(name))
            outcome.relayed += [decode_envelope(record.value or b"").id for record in records]

    async def _sigterm_under_load(self, process: ServiceProcess, load: Load, outcome: DrillOutcome) -> None:
        not_ready = asyncio.Event()
        counter = itertools.count()
        clients = [
            asyncio.create_task(self._client(process, load, counter, not_ready, outcome))
            for _ in range(load.clients)
        ]
        slow = asyncio.create_task(self._slow(process, load, outcome))

        async def loaded() -> bool:
            return outcome.actions >= 2 * load.clients and len(await self._applied(load.consumer)) >= 10

        await wait_until(loaded, within=60)
        process.terminate()
        outcome.not_ready = await self._watch_readiness(process)
        not_ready.set()
        await asyncio.gather(*clients, slow)
        outcome.exit_status = await process.exit_status(self._bound)
        outcome.output = process.output()

    async def _client(
        self,
        process: ServiceProcess,
        load: Load,
        counter: itertools.count[int],
        not_ready: asyncio.Event,
        outcome: DrillOutcome,
    ) -> None:
        async def keep(response: httpx.Response) -> None:
            outcome.answers.append(response)

        hooks: dict[str, list[Callable[..., Any]]] = {"response": [keep]}
        async with httpx.AsyncClient(base_url=process.base_url, timeout=60, event_hooks=hooks) as client:
            while not not_ready.is_set():
                n = next(counter)
                try:
                    await load.act(client, n)
                except Exception as exc:
                    outcome.failures.append(f"action {n}: {exc!r}")
                else:
                    outcome.actions += 1

    async def _slow(self, process: ServiceProcess, load: Load, outcome: DrillOutcome) -> None:
        """Half the body now, the rest once uvicorn has closed its listener (it logs "Shutting down")."""

        async def listener_closed() -> bool:
            return '"Shutting down"' in process.output()

        async with httpx.AsyncClient(base_url=process.base_url, timeout=60) as client:
            request = load.slow(client)
            body = request.read()

            async def chunks() -> AsyncIterator[bytes]:
                yield body[: len(body) // 2]
                await wait_until(listener_closed, within=self._bound)
                yield body[len(body) // 2 :]

            sent = client.build_request(
                request.method, request.url, headers=request.headers, content=chunks()
            )
            try:
                outcome.slow = await client.send(sent)
            except Exception as exc:
                outcome.slow = repr(exc)

    async def _watch_readiness(self, process: ServiceProcess) -> httpx.Response | None:
        """The first 503 of ``/health/ready`` after SIGTERM, or None if the process went first."""
        async with httpx.AsyncClient(base_url=process.base_url, timeout=10) as client:
            while process.process.returncode is None:
                with contextlib.suppress(httpx.TransportError):
                    response = await client.get("/health/ready")
                    if response.status_code == 503:
                        return response
                await asyncio.sleep(0.02)
        return None

    async def _publish(self, load: Load, stop: asyncio.Event, published: list[UUID]) -> None:
        producer = create_producer(self.kafka, client_id="switchyard-drill")
        await producer.start()
        try:
            for tick in itertools.count():
                if stop.is_set():
                    return
                numbers = range(tick * load.events_per_tick, (tick + 1) * load.events_per_tick)
                published.extend(await self._send(producer, [load.event(n) for n in numbers]))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.05)
        finally:
            await producer.stop()

    async def _send(self, producer: AIOKafkaProducer, events: Sequence[IntegrationEvent]) -> list[UUID]:
        """Publish ``events`` as their producers would; their envelope ids once Kafka has them all."""
        sent: list[tuple[UUID, asyncio.Future[Any]]] = []
        for event in events:
            envelope = to_envelope(event, source=event.TYPE.split(".", 1)[0])
            topic, key = self.kafka.topic(event.TOPIC), event.partition_key.encode()
            sent.append((envelope.id, await producer.send(topic, encode_envelope(envelope), key=key)))
        for _event_id, future in sent:
            await future
        return [event_id for event_id, _future in sent]

    async def _all_applied(self, consumer: str, published: list[UUID]) -> bool:
        return set(published) <= set(await self._applied(consumer))

    async def _catch_up(self, load: Load, outcome: DrillOutcome) -> int | None:
        """A second process until everything published is applied and the outbox is empty; its exit."""
        process = await self._start(2)
        try:

            async def caught_up() -> bool:
                if not await self._all_applied(load.consumer, outcome.published):
                    return False
                outbox = await self._rows("SELECT count(*) FROM outbox")
                return outbox[0][0] == 0 and (load.settled is None or await load.settled())

            await wait_until(caught_up, within=90, interval=0.2)
        finally:
            process.terminate()
            status = await process.exit_status(self._bound)
        return status

    async def _start(self, number: int) -> ServiceProcess:
        log = self._logs / f"{self.service}-drill-{number}.log"
        process = await start_service_process(
            self.service, self.settings, log=log, ready_within=60, extra_env=self.env
        )
        self._started.append(process)
        return process

    async def _applied(self, consumer: str) -> list[UUID]:
        rows = await self._rows("SELECT event_id FROM processed_events WHERE consumer = :c", c=consumer)
        return [row[0] for row in rows]

    async def _rows(self, statement: str, **params: object) -> list[Any]:
        async with self._sessions() as session:
            return list((await session.execute(text(statement), params)).all())

    async def _sql(self, *statements: str) -> None:
        async with self._sessions.begin() as session:
            for statement in statements:
                await session.execute(text(statement))
