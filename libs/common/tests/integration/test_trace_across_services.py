"""One trace covers an HTTP request in one service and the consumption of its event in another.

"auth" serves ``POST /accounts``, which commits an event through its outbox; its relay publishes
it with the trace context captured at ``add_event``; "users" consumes it and writes a row. Each
service has its own tracer provider (as separate processes would) exporting to one in-memory
exporter, so spans are told apart by their resource's ``service.name``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from faststream.kafka import KafkaBroker
from litestar import Litestar, post
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import MetaData, Table, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from switchyard.common.contracts import AccountRegistered, Envelope
from switchyard.common.db import DatabaseSettings, SqlAlchemyUnitOfWork, create_engine, create_session_factory
from switchyard.common.http import HttpSettings, create_app
from switchyard.common.messaging import KafkaSettings, OutboxRelay, create_broker, subscribe
from switchyard.common.observability import TelemetrySettings, instrument_sqlalchemy
from switchyard.common.observability.tracing import build_tracer_provider
from switchyard.common.testing import DatabaseFactory, running_app

pytestmark = pytest.mark.integration

UowFactory = Callable[[], SqlAlchemyUnitOfWork]


def _provider(service: str, exporter: InMemorySpanExporter) -> TracerProvider:
    return build_tracer_provider(
        TelemetrySettings(), service=service, span_processors=[SimpleSpanProcessor(exporter)]
    )


def _producing_app(uow_factory: UowFactory, provider: TracerProvider) -> Litestar:
    @post("/accounts", status_code=202)
    async def register() -> dict[str, str]:
        account_id = uuid.uuid4()
        async with uow_factory() as uow:
            uow.add_event(
                AccountRegistered(
                    account_id=account_id,
                    email="ada@example.com",
                    username="ada",
                    full_name=None,
                    email_verified=False,
                    invited=False,
                )
            )
            await uow.commit()
        return {"account_id": str(account_id)}

    return create_app(
        service="auth", settings=HttpSettings(), route_handlers=[register], tracer_provider=provider
    )


def _of(service: str, spans: tuple[ReadableSpan, ...]) -> list[ReadableSpan]:
    return [s for s in spans if s.resource.attributes.get("service.name") == service]


def _consuming_broker(
    kafka: KafkaSettings, engine: AsyncEngine, table: Table, name: str, provider: TracerProvider
) -> tuple[KafkaBroker, list[Envelope]]:
    """A "users" consumer writing one row per event through the idempotent consumer."""
    received: list[Envelope] = []

    async def on_account_registered(
        event: AccountRegistered, envelope: Envelope, uow: SqlAlchemyUnitOfWork
    ) -> None:
        await uow.session.execute(insert(table).values(event_id=envelope.id, note=event.username))
        received.append(envelope)

    broker = create_broker(kafka, service="users")
    sessions = create_session_factory(engine)
    subscribe(
        broker,
        AccountRegistered,
        on_account_registered,
        service="users",
        kafka=kafka,
        uow_factory=lambda: SqlAlchemyUnitOfWork(sessions, source="users"),
        name=name,
        tracer_provider=provider,
    )
    return broker, received


async def test_request_and_its_consumption_elsewhere_share_one_trace(
    uow_factory: UowFactory,
    messaging_database_url: str,
    messaging_kafka: KafkaSettings,
    messaging_metadata: MetaData,
    make_database: DatabaseFactory,
    effects_table: Table,
    consumer_name: str,
    wait_until,
):
    exporter = InMemorySpanExporter()
    auth_provider, users_provider = _provider("auth", exporter), _provider("users", exporter)
    users_engine = create_engine(
        DatabaseSettings(url=await make_database.create(metadata=messaging_metadata))
    )
    instrument_sqlalchemy(users_engine, tracer_provider=users_provider)
    broker, received = _consuming_broker(
        messaging_kafka, users_engine, effects_table, consumer_name, users_provider
    )
    relay = OutboxRelay(database_url=messaging_database_url, kafka=messaging_kafka, service="auth")
    try:
        await broker.start()
        async with relay, running_app(_producing_app(uow_factory, auth_provider)) as client:
            response = await client.post("/accounts")
            assert response.status_code == 202
            await wait_until(lambda: _true(len(received) == 1))
            # The consumer's span ends after the handler returns and the offset is committed.
            await wait_until(
                lambda: _true(any(s.kind == SpanKind.CONSUMER for s in exporter.get_finished_spans()))
            )
    finally:
        await broker.stop()
        await users_engine.dispose()

    spans = exporter.get_finished_spans()
    (request,) = [s for s in _of("auth", spans) if s.kind == SpanKind.SERVER]
    (consumed,) = [s for s in _of("users", spans) if s.kind == SpanKind.CONSUMER]
    (effect,) = [
        s
        for s in _of("users", spans)
        if "INSERT INTO effects" in str((s.attributes or {}).get("db.statement"))
    ]
    assert request.name == "POST /accounts"
    assert consumed.name == f"{messaging_kafka.topic(AccountRegistered.TOPIC)} process"
    # The relay publishes with a plain producer, so the consumer continues the request's span itself.
    assert consumed.context.trace_id == request.context.trace_id
    assert consumed.parent is not None
    assert consumed.parent.span_id == request.context.span_id
    assert effect.context.trace_id == request.context.trace_id
    assert effect.parent is not None
    assert effect.parent.span_id == consumed.context.span_id
    assert [e.type for e in received] == [AccountRegistered.TYPE]


async def _true(value: bool) -> bool:
    return value
