"""The transactional outbox relay: committed outbox rows -> Kafka, in order, at least once.

One relay leads per database (advisory lock), so rows leave in id order even with
several replicas; Kafka keeps that order per key because each key maps to one partition
and the producer is idempotent. A row leaves the outbox (is deleted) only after Kafka
acknowledged it and everything before it: while Kafka is down rows simply wait, and a
retry may duplicate a record, never lose one (consumers deduplicate by event id).

Stopping finishes the round in flight: what was sent is acknowledged and deleted, so a clean
stop duplicates nothing; the rows not yet read wait for the next leader.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from switchyard.common.messaging.broker import create_producer
from switchyard.common.messaging.metrics import OUTBOX_BACKLOG, OUTBOX_RELAY_FAILURES, OUTBOX_RELAYED
from switchyard.common.messaging.outbox_batches import SentBatch, send_batch, whole_rows
from switchyard.common.messaging.outbox_store import OutboxConnection, OutboxRow
from switchyard.common.messaging.retry import RetryPolicy
from switchyard.common.messaging.settings import KafkaSettings

log = structlog.get_logger()

RELAY_BACKOFF = RetryPolicy(max_attempts=1, base_delay=0.5, max_delay=30.0)
_BACKLOG_REFRESH_SECONDS = 1.0
# Under steady load, how often the relay drains and rescans for rows that committed late.
_RESCAN_SECONDS = 2.0
# SHUTDOWN_WORK_TIMEOUT_S's default; the runtime passes the setting.
_STOP_TIMEOUT = 5.0


class OutboxRelay:
    """Publishes a service's outbox; :meth:`start`/:meth:`stop` it from the lifespan."""

    def __init__(
        self,
        *,
        database_url: str,
        kafka: KafkaSettings,
        service: str,
        batch_size: int = 1000,
        poll_interval: float = 5.0,
        backoff: RetryPolicy = RELAY_BACKOFF,
        stop_timeout: float = _STOP_TIMEOUT,
    ) -> None:
        self._database_url = database_url
        self._kafka = kafka
        self._service = service
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._backoff = backoff
        self._stop_timeout = stop_timeout
        self._failures = 0
        self._backlog_checked_at = float("-inf")
        self._scanned_from_start_at = 0.0
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        # The leading connection's wake-up while a relay loop runs; None while waiting to lead,
        # connecting or backing off, when nothing is in flight and stopping may cancel at once.
        self._relaying: asyncio.Event | None = None
        self.relayed = 0
        # The producer in use while connected; exposed for inspection (tests, debugging).
        self.producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self.run(), name=f"{self._service}-outbox-relay")

    async def stop(self) -> None:
        """Finish the round in flight (rows sent are acknowledged and deleted), then stop.

        A relay with nothing in flight stops at once. One still busy after ``stop_timeout`` (Kafka
        gone mid-round) is cancelled: its unacknowledged rows stay and go again (deduplicated) later.
        """
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        if self._relaying is not None:
            self._relaying.set()
            await asyncio.wait({task}, timeout=self._stop_timeout)
        if not task.done():
            if self._relaying is not None:
                log.warning("outbox relay still sending at stop; cancelled", service=self._service)
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def __aenter__(self) -> OutboxRelay:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def wait_ready(self) -> None:
        """Return once this relay leads and its producer is connected."""
        await self._ready.wait()

    async def run(self) -> None:
        """Relay until stopped, reconnecting to the database after any failure."""
        while not self._stopping.is_set():
            try:
                await self._lead_and_relay()
            except Exception as exc:
                if self._stopping.is_set():
                    log.warning("outbox relay failed while stopping", error=repr(exc))
                    return
                # Unexpected (database gone, a bug): keep the traceback, then reconnect.
                await self._pause("outbox relay failed; reconnecting", exc, traceback=True)

    async def _lead_and_relay(self) -> None:
        connection = await OutboxConnection.open(self._database_url)
        try:
            await connection.lead()
            log.info("outbox relay leading", service=self._service)
            await connection.listen()
            while True:
                producer = await self._connect_producer(connection)
                try:
                    self.producer = producer
                    self._ready.set()
                    self._relaying = connection.wake
                    await self._relay_until_kafka_fails(connection, producer)
                finally:
                    self._relaying = None
                    self._ready.clear()
                    self.producer = None
                    await _stop_quietly(producer, self._stop_timeout)
                if self._stopping.is_set():
                    return
                await self._report_backlog(connection, idle=False)
                await self._pause("kafka unavailable; outbox rows kept", None)
        finally:
            await connection.close()

    async def _connect_producer(self, connection: OutboxConnection) -> AIOKafkaProducer:
        while True:
            producer = create_producer(self._kafka, client_id=f"{self._service}-outbox-relay")
            try:
                await producer.start()
            except (KafkaError, OSError) as exc:
                await _stop_quietly(producer, self._stop_timeout)
                # While Kafka is away is when the backlog grows: the gauge keeps counting.
                await self._report_backlog(connection, idle=False)
                await self._pause("kafka unreachable; outbox rows kept", exc)
            else:
                return producer

    async def _relay_until_kafka_fails(
        self, connection: OutboxConnection, producer: AIOKafkaProducer
    ) -> None:
        """Pipeline batches: while Kafka acknowledges one, the previous is deleted and the next read.

        Batch k+1 is sent only once batch k is fully acknowledged, so a failure never lets a
        later row overtake an earlier one. Rows in flight are still in the table, hence the
        ``after`` cursor; once caught up, one scan from the start picks up rows whose
        transaction committed after higher ids were read. Once stopping, no row is read: the
        batch in flight is settled and the loop returns.
        """
        in_flight: SentBatch | None = None
        after = 0
        while True:
            connection.wake.clear()
            stopping = self._stopping.is_set()
            rows = [] if stopping else await connection.unsent(self._batch_size, after=after)
            if in_flight is not None:
                acknowledged = await in_flight.acknowledged_events()
                if len(acknowledged) < len(in_flight.rows):
                    await self._settle(connection, in_flight, acknowledged)
                    return
            sending = await send_batch(producer, self._kafka, rows) if rows else None
            if in_flight is not None:
                await self._remove_relayed(connection, in_flight.rows)
            in_flight = sending
            if in_flight is not None and not in_flight.complete:
                await self._settle(connection, in_flight, await in_flight.acknowledged_events())
                return
            if stopping:
                return
            await self._report_backlog(connection, idle=not rows and not after)
            if rows and self._rescan_due(after):
                # A row whose transaction committed after higher ids were read sits behind the
                # cursor; under steady load the cursor never returns to it, so now and then drain
                # what is in flight (it must not be read again) and scan from the start.
                if in_flight is not None:
                    acknowledged = await in_flight.acknowledged_events()
                    await self._settle(connection, in_flight, acknowledged)
                    if len(acknowledged) < len(in_flight.rows):
                        return
                    in_flight = None
                after = 0
            elif rows:
                after = rows[-1].id
            elif after:
                after = 0
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(connection.wake.wait(), self._poll_interval)

    def _rescan_due(self, after: int) -> bool:
        now = asyncio.get_running_loop().time()
        if after == 0:
            self._scanned_from_start_at = now
            return False
        return now - self._scanned_from_start_at >= _RESCAN_SECONDS

    async def _settle(
        self, connection: OutboxConnection, batch: SentBatch, acknowledged: list[OutboxRow]
    ) -> None:
        """Delete the rows Kafka has every event of; a bundle it has only the start of keeps the
        rest, so what Kafka has does not go again each time the rest fails (a record Kafka keeps
        refusing would otherwise resend the whole bundle every round)."""
        whole = whole_rows(batch.rows, len(acknowledged))
        await self._remove_relayed(connection, whole)
        started = acknowledged[len(whole) :]
        if started:
            row_id = started[0].id
            rest = [row for row in batch.rows[len(acknowledged) :] if row.id == row_id]
            await connection.keep_unsent(row_id, rest)
            self._count_relayed(len(started))

    async def _remove_relayed(self, connection: OutboxConnection, rows: list[OutboxRow]) -> None:
        if rows:
            await connection.delete_relayed([row.id for row in rows])
            self._count_relayed(len(rows))

    def _count_relayed(self, events: int) -> None:
        self.relayed += events
        OUTBOX_RELAYED.labels(service=self._service).inc(events)
        self._failures = 0

    async def _report_backlog(self, connection: OutboxConnection, *, idle: bool) -> None:
        gauge = OUTBOX_BACKLOG.labels(service=self._service)
        if idle:
            gauge.set(0)
            return
        now = asyncio.get_running_loop().time()
        if now - self._backlog_checked_at >= _BACKLOG_REFRESH_SECONDS:
            self._backlog_checked_at = now
            gauge.set(await connection.backlog())

    async def _pause(self, reason: str, exc: BaseException | None, *, traceback: bool = False) -> None:
        self._failures += 1
        OUTBOX_RELAY_FAILURES.labels(service=self._service).inc()
        delay = self._backoff.delay(self._failures)
        context = {"service": self._service, "retry_in": round(delay, 2), "error": repr(exc) if exc else None}
        if traceback:
            log.error(reason, exc_info=exc, **context)
        else:
            log.warning(reason, **context)
        await asyncio.sleep(delay)


async def _stop_quietly(producer: AIOKafkaProducer, within: float) -> None:
    # Stopping flushes; with Kafka gone that could hang, and the rows are safe anyway.
    try:
        await asyncio.wait_for(producer.stop(), within)
    except (KafkaError, OSError, TimeoutError) as exc:
        log.warning("outbox producer did not stop cleanly", error=repr(exc))
