"""ingest in-process against the real Postgres, Kafka and Redis, with admin tokens from a stand-in JWKS.

There is no auth service here: a test plays auth itself, reading the rows ingest sent
(``ImportRowsSubmitted`` on Kafka) and publishing ``ImportRowsProcessed`` answers as auth would.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from aiokafka import AIOKafkaProducer
from litestar import Litestar
from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchyard.common.contracts import (
    ImportRowOutcome,
    ImportRowsProcessed,
    ImportRowsSubmitted,
    IntegrationEvent,
    decode_envelope,
    decode_event_as,
    encode_envelope,
    to_envelope,
)
from switchyard.common.db import DatabaseSettings
from switchyard.common.messaging import KafkaSettings, create_producer
from switchyard.common.messaging.topic_reader import read_topic
from switchyard.common.runtime import ServiceSettings
from switchyard.common.runtime.settings import JwtSettings, PruningSettings
from switchyard.common.testing import (
    DatabaseFactory,
    JwksServer,
    committed_offsets,
    isolated_topics,
    running_app,
    served_over_http,
    service_settings,
)
from switchyard.common.testing.problems import assert_problem, error_paths
from switchyard.common.testing.waiting import wait_until
from switchyard.ingest.adapters.orm import imports
from switchyard.ingest.bootstrap import bootstrap
from switchyard.ingest.settings import IngestSettings

type Sessions = async_sessionmaker[AsyncSession]

# The name ingest's answer consumer subscribes under (its Kafka group, unprefixed).
ANSWER_CONSUMER = "ingest.on_import_rows_processed"

# Quick enough for tests: progress every 0.1 s, an idle importer looks again every 0.2 s, and
# small batches so that a few hundred rows already take several checkpoints.
TEST_INGEST = {
    "max_upload_bytes": 4 * 1024 * 1024,
    "batch_rows": 100,
    "progress_interval_s": 0.1,
    "idle_poll_s": 0.2,
    "stream_heartbeat_s": 0.5,
}


def csv_bytes(*lines: str, newline: str = "\n") -> bytes:
    """``lines`` joined (and ended) with ``newline``, as UTF-8."""
    return "".join(line + newline for line in lines).encode()


@dataclass(frozen=True)
class SentRow:
    """One row ingest sent to auth (rows travel many to an ``ImportRowsSubmitted`` event)."""

    import_id: uuid.UUID
    row_number: int
    email: str
    username: str
    full_name: str | None
    role: str
    notify: bool


def answer_to(
    row: SentRow,
    *,
    rejected: bool = False,
    code: str = "already-exists",
    field: str | None = "email",
    message: str = "An account with this email already exists.",
) -> ImportRowsProcessed:
    """Auth's answer to ``row`` alone: an account created, or a rejection."""
    if rejected:
        outcome = ImportRowOutcome(
            row_number=row.row_number, outcome="rejected", code=code, field=field, message=message
        )
    else:
        account_id = uuid.uuid5(row.import_id, str(row.row_number))
        outcome = ImportRowOutcome(
            row_number=row.row_number,
            outcome="created",
            account_id=account_id,
            email=row.email,
            username=row.username,
        )
    return ImportRowsProcessed(import_id=row.import_id, rows=[outcome])


@dataclass
class SseMessage:
    """One Server-Sent Events message: ``comment`` for a heartbeat, else event, id and data."""

    event: str | None = None
    id: str | None = None
    data: str | None = None
    comment: str | None = None


async def sse_messages(lines: AsyncIterator[str]) -> AsyncIterator[SseMessage]:
    """The messages of an event stream, read line by line until it ends."""
    message = SseMessage()
    started = False
    async for line in lines:
        if not line:
            if started:
                yield message
            message, started = SseMessage(), False
            continue
        started = True
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "":
            message.comment = value
        elif name == "data":
            message.data = value if message.data is None else f"{message.data}\n{value}"
        elif name in ("event", "id"):
            setattr(message, name, value)
    if started:
        yield message


@dataclass
class IngestApp:
    """The running service and what a test needs around it."""

    client: httpx.AsyncClient
    settings: ServiceSettings
    ingest: IngestSettings
    db: Sessions
    jwks: JwksServer
    asgi: Litestar
    admin_id: uuid.UUID = field(default_factory=uuid.uuid4)
    _producer: AIOKafkaProducer | None = None

    csv = staticmethod(csv_bytes)
    answer_to = staticmethod(answer_to)
    sse_messages = staticmethod(sse_messages)

    @property
    def kafka(self) -> KafkaSettings:
        return self.settings.kafka

    @property
    def storage_dir(self) -> Path:
        return Path(self.ingest.storage_dir)

    def admin(self) -> dict[str, str]:
        """A bearer header of an admin (the same admin every time)."""
        return self.jwks.bearer(self.admin_id, roles=["admin"])

    @staticmethod
    def unique() -> str:
        return uuid.uuid4().hex[:12]

    @classmethod
    def people(cls, count: int) -> list[tuple[str, str]]:
        """``count`` (email, username) pairs no other test uses."""
        tag = cls.unique()
        return [(f"p{i}.{tag}@example.com", f"p{i}_{tag}") for i in range(count)]

    problem = staticmethod(assert_problem)
    error_paths = staticmethod(error_paths)

    def leftover_uploads(self) -> list[Path]:
        """Uploads being received or refused that were not cleaned up."""
        if not self.storage_dir.exists():
            return []
        return sorted(self.storage_dir.glob(".upload-*"))

    async def upload(
        self,
        content: bytes,
        *,
        filename: str = "people.csv",
        content_type: str | None = "text/csv",
        headers: dict[str, str] | None = None,
        **options: Any,
    ) -> httpx.Response:
        """``POST /`` of ``content`` as the ``file`` part; ``options`` become form fields
        (booleans as true/false, dicts as JSON)."""
        data = {name: _form_value(value) for name, value in options.items()}
        part = (filename, content) if content_type is None else (filename, content, content_type)
        return await self.client.post(
            "/", files={"file": part}, data=data, headers=self.admin() if headers is None else headers
        )

    async def start(self, content: bytes, **options: Any) -> dict[str, Any]:
        """Upload ``content`` and expect a new import (202); its ImportRead."""
        response = await self.upload(content, **options)
        assert response.status_code == 202, response.text
        body: dict[str, Any] = response.json()
        assert response.headers["location"] == f"/{body['id']}"
        return body

    async def job(self, import_id: str | uuid.UUID) -> dict[str, Any]:
        response = await self.client.get(f"/{import_id}", headers=self.admin())
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def row(self, import_id: str | uuid.UUID) -> RowMapping:
        """The import's row as stored now (its checkpoint and counters)."""
        async with self.db() as session:
            query = select(imports).where(imports.c.id == uuid.UUID(str(import_id)))
            found = (await session.execute(query)).mappings().first()
        assert found is not None
        return found

    async def wait_for_status(
        self, import_id: str | uuid.UUID, status: str, *, within: float = 30
    ) -> dict[str, Any]:
        """Wait until GET /{id} shows ``status``; that answer."""
        seen: dict[str, Any] = {}

        async def reached() -> bool:
            seen.update(await self.job(import_id))
            return bool(seen["status"] == status)

        try:
            await wait_until(reached, within=within)
        except TimeoutError:
            raise AssertionError(f"import {import_id} never became {status}: {seen}") from None
        return seen

    async def wait_until_read(self, import_id: str | uuid.UUID, *, within: float = 30) -> RowMapping:
        """Wait until the importer read the whole file (every valid row then is on Kafka)."""

        async def read() -> bool:
            return bool((await self.row(import_id))["file_done"])

        await wait_until(read, within=within)
        return await self.row(import_id)

    async def events[E: IntegrationEvent](self, event_type: type[E]) -> list[E]:
        """Every ``event_type`` event now on its topic, by partition then offset."""
        found = []
        for record in await read_topic(self.kafka, self.kafka.topic(event_type.TOPIC)):
            envelope = decode_envelope(record.value or b"")
            if envelope.type == event_type.TYPE:
                found.append(decode_event_as(envelope, event_type))
        return found

    async def submitted(self, import_id: str | uuid.UUID) -> list[SentRow]:
        """The rows of this import sent to auth, by row number."""
        wanted = uuid.UUID(str(import_id))
        rows = [
            SentRow(
                import_id=event.import_id,
                row_number=row.row_number,
                email=row.email,
                username=row.username,
                full_name=row.full_name,
                role=row.role,
                notify=event.notify,
            )
            for event in await self.events(ImportRowsSubmitted)
            if event.import_id == wanted
            for row in event.rows
        ]
        return sorted(rows, key=lambda row: row.row_number)

    async def sent_rows(self, import_id: str | uuid.UUID) -> list[SentRow]:
        """Wait until the file is read; the rows sent (each row number once)."""
        await self.wait_until_read(import_id)
        rows = await self.submitted(import_id)
        numbers = [row.row_number for row in rows]
        assert len(numbers) == len(set(numbers)), f"a row was sent twice: {numbers}"
        return rows

    async def publish(self, *answers: ImportRowsProcessed) -> None:
        """Publish ``answers`` as auth would (a fresh event id each), in order."""
        await self.publish_envelopes(*(encode_envelope(to_envelope(a, source="auth")) for a in answers))

    async def publish_envelopes(self, *payloads: bytes) -> None:
        """Publish these answer envelopes byte for byte (keyed by import, as auth keys them), in order."""
        if self._producer is None:
            self._producer = create_producer(self.kafka, client_id="ingest-tests-auth")
            await self._producer.start()
        topic = self.kafka.topic(ImportRowsProcessed.TOPIC)
        futures = [
            await self._producer.send(topic, payload, key=decode_envelope(payload).key.encode())
            for payload in payloads
        ]
        await asyncio.gather(*futures)

    async def wait_until_answers_consumed(self) -> None:
        """Wait until ingest's answer consumer committed every answer now on the topic."""
        topic = self.kafka.topic(ImportRowsProcessed.TOPIC)
        published = len(await read_topic(self.kafka, topic))

        async def consumed() -> bool:
            return await committed_offsets(self.kafka, ANSWER_CONSUMER, topic) >= published

        await wait_until(consumed)

    async def answer_all(
        self,
        import_id: str | uuid.UUID,
        *,
        rejected: Iterable[int] = (),
        status: str = "completed",
    ) -> dict[str, Any]:
        """Play auth: answer every row sent (created, or already-exists for ``rejected`` row numbers),
        then wait for ``status``."""
        refused = set(rejected)
        rows = await self.sent_rows(import_id)
        await self.publish(*(answer_to(row, rejected=row.row_number in refused) for row in rows))
        return await self.wait_for_status(import_id, status)

    async def errors(self, import_id: str | uuid.UUID, *, limit: int = 1000) -> list[dict[str, Any]]:
        """Every row error of the import (all pages of GET /{id}/errors)."""
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": limit}
            if cursor is not None:
                params["cursor"] = cursor
            response = await self.client.get(f"/{import_id}/errors", params=params, headers=self.admin())
            assert response.status_code == 200, response.text
            page = response.json()
            found += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return found

    @asynccontextmanager
    async def served(self) -> AsyncIterator[httpx.AsyncClient]:
        """A client of the same app served over real HTTP (uvicorn on a free port), so that a
        streamed response arrives as it is written (the ASGI client hands it over only once ended)."""
        async with (
            served_over_http(self.asgi, name="ingest-test-http") as base_url,
            httpx.AsyncClient(base_url=base_url, timeout=30) as client,
        ):
            yield client

    async def close(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await producer.stop()


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


@asynccontextmanager
async def running_ingest(
    database_server_url: str,
    kafka_bootstrap: str,
    redis_url: str,
    jwks: JwksServer,
    storage_dir: Path,
    pruning: PruningSettings | None = None,
    **overrides: Any,
) -> AsyncIterator[IngestApp]:
    """ingest on a fresh database and topic prefix; ``overrides`` change IngestSettings."""
    databases = DatabaseFactory(database_server_url)
    try:
        async with isolated_topics(kafka_bootstrap) as kafka:
            database_url = await databases.create()
            settings = msgspec.structs.replace(
                service_settings(database_url=database_url, kafka=kafka, redis_url=redis_url),
                database=DatabaseSettings(url=database_url, pool_size=10),
                jwt=JwtSettings(jwks_url=jwks.url),
                pruning=pruning or PruningSettings(),
            )
            ingest = IngestSettings(storage_dir=str(storage_dir), **{**TEST_INGEST, **overrides})
            asgi = bootstrap(settings, ingest=ingest)
            async with running_app(asgi) as client:
                app = IngestApp(client, settings, ingest, databases.sessions(database_url), jwks, asgi)
                try:
                    yield app
                finally:
                    await app.close()
    finally:
        await databases.close()


@pytest.fixture(scope="module")
async def module_ingest(
    database_server_url: str,
    kafka_bootstrap: str,
    redis_url: str,
    jwks_server: JwksServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[IngestApp]:
    """ingest shared by a module's tests (each uploads files of its own people)."""
    storage = tmp_path_factory.mktemp("ingest-uploads")
    async with running_ingest(database_server_url, kafka_bootstrap, redis_url, jwks_server, storage) as app:
        yield app


@pytest.fixture
async def start_ingest(
    database_server_url: str, kafka_bootstrap: str, redis_url: str, jwks_server: JwksServer, tmp_path: Path
) -> AsyncIterator[Callable[..., Awaitable[IngestApp]]]:
    """``await start_ingest(max_upload_bytes=...)``: ingest with other settings, stopped at teardown
    (``pruning=`` changes PruningSettings)."""
    async with AsyncExitStack() as stack:

        async def start(pruning: PruningSettings | None = None, **overrides: Any) -> IngestApp:
            storage = tmp_path / f"uploads-{uuid.uuid4().hex[:8]}"
            started = running_ingest(
                database_server_url,
                kafka_bootstrap,
                redis_url,
                jwks_server,
                storage,
                pruning=pruning,
                **overrides,
            )
            return await stack.enter_async_context(started)

        yield start
