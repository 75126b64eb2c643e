"""The parts every service process is made of, built once by its composition root."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog
from litestar import Litestar
from redis.asyncio import BlockingConnectionPool, Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from switchyard.common.contracts import IntegrationEvent
from switchyard.common.db import SqlAlchemyUnitOfWork, create_engine, create_session_factory
from switchyard.common.db.migrations import upgrade_to_head
from switchyard.common.db.pruning import Pruner, processed_events_rule
from switchyard.common.http import create_app, database_check, kafka_check, redis_check
from switchyard.common.http.auth.verifier import JwksVerifier
from switchyard.common.http.idempotency import IdempotencyStore
from switchyard.common.messaging import BatchHandler, EventHandler, OutboxRelay, create_broker, subscribe
from switchyard.common.observability import configure_logging, configure_tracing
from switchyard.common.observability.tracing import instrument_redis, instrument_sqlalchemy
from switchyard.common.runtime.asyncapi import asyncapi_handler, declare_published
from switchyard.common.runtime.background import background_task
from switchyard.common.runtime.settings import RedisSettings, ServiceSettings

if TYPE_CHECKING:
    from faststream.kafka import KafkaBroker
    from litestar.types import ControllerRouterHandler
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

log = structlog.get_logger()


@dataclass
class ServiceRuntime:
    """Engine, sessions, broker, Redis, relay and tracing of one service process."""

    service: str
    settings: ServiceSettings
    root: Path
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    broker: KafkaBroker
    redis: Redis
    relay: OutboxRelay
    pruner: Pruner
    tracer_provider: TracerProvider

    def app(
        self,
        route_handlers: Sequence[ControllerRouterHandler],
        *,
        produces: Sequence[type[IntegrationEvent]] = (),
        verifier: JwksVerifier | None = None,
        lifespan: Sequence[Callable[[Litestar], AbstractAsyncContextManager[Any]]] = (),
        **options: Any,
    ) -> Litestar:
        """The service's Litestar app; its lifespan migrates, then runs the relay, the consumers and
        the pruner (``self.pruner``: processed events, and the rules a service adds).

        ``produces`` lists the events the service writes to its outbox, for the AsyncAPI document.
        Bearer tokens are checked by ``verifier``, else against ``JWKS_URL`` when that is set.
        ``lifespan`` hooks run after migrations, inside the relay and consumers.
        """
        declare_published(self.broker, produces, self.settings.kafka.topic_prefix)
        if verifier is None and self.settings.jwt.jwks_url:
            verifier = JwksVerifier(
                self.settings.jwt.jwks_url,
                self.settings.jwt.jwt_issuer,
                self.settings.jwt.jwt_audience,
                denylist=self.redis,
            )
        return create_app(
            service=self.service,
            settings=self.settings.http,
            route_handlers=[
                *route_handlers,
                asyncapi_handler(
                    self.broker, service=self.service, version=self.settings.telemetry.service_version
                ),
            ],
            readiness_checks=[
                database_check(self.engine),
                kafka_check(self.broker),
                redis_check(self.redis),
            ],
            lifespan=[self._lifespan, *lifespan],
            verifier=verifier,
            idempotency=IdempotencyStore(self.redis, service=self.service),
            tracer_provider=self.tracer_provider,
            **options,
        )

    def subscribe[E: IntegrationEvent, U: SqlAlchemyUnitOfWork](
        self,
        event_type: type[E],
        handler: EventHandler[E, U],
        uow_factory: Callable[[async_sessionmaker[AsyncSession]], U],
        *,
        batch_handler: BatchHandler[E, U] | None = None,
        max_records: int | None = None,
    ) -> None:
        """Consume ``event_type`` with ``handler``, a batch of events per unit of work.

        ``batch_handler`` applies a whole batch at once (one statement for many rows); ``handler``
        then only names the consumer group, so keep its name stable. ``max_records`` caps a
        batch below ``KAFKA_CONSUME_BATCH_SIZE`` events.
        """
        subscribe(
            self.broker,
            event_type,
            handler,
            service=self.service,
            kafka=self.settings.kafka,
            uow_factory=lambda: uow_factory(self.session_factory),
            batch_handler=batch_handler,
            max_records=max_records,
            tracer_provider=self.tracer_provider,
        )

    def background_task(
        self,
        name: str,
        run: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
        *,
        after: Sequence[Callable[[], Awaitable[None]]] = (),
    ) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
        """:func:`~switchyard.common.runtime.background.background_task`, stopped within this
        process's ``SHUTDOWN_WORK_TIMEOUT_S``; pass it to :meth:`app` as a ``lifespan`` hook."""
        return background_task(name, run, after=after, stop_within=self.settings.shutdown.work_timeout_s)

    @asynccontextmanager
    async def _lifespan(self, _app: Litestar) -> AsyncIterator[None]:
        """Entered first, so it ends last: after the requests and the services' own hooks.

        Consumers finish their batch in hand (its offsets committed) and leave their groups, the
        relay settles the batch it sent, then the connections close.
        """
        await upgrade_to_head(self.engine, self.root)
        log.info("migrations applied", service=self.service)
        pruning = asyncio.create_task(self.pruner.run(asyncio.Event()), name="pruner")
        try:
            await self.relay.start()
            await self.broker.start()
            yield
        finally:
            # Cancelled, not awaited out: each batch it deletes is a transaction of its own, and a
            # cancelled one rolls back, so stopping costs no part of the shutdown's time.
            pruning.cancel()
            try:
                await pruning
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise  # this shutdown itself is being cancelled, not just the pruner
            except Exception:
                # It logs and survives a failed round; anything else ended it early. Close up anyway.
                log.exception("pruner had failed", service=self.service)
            await self.broker.stop()
            log.info("shutdown: consumers stopped", service=self.service)
            await self.relay.stop()
            log.info("shutdown: outbox relay stopped", service=self.service, relayed=self.relay.relayed)
            await self.redis.aclose()
            await self.engine.dispose()
            log.info("shutdown: connections closed", service=self.service)


def create_redis(settings: RedisSettings) -> Redis:
    """A client whose pool makes a command wait for a free connection (up to the timeout) instead of
    raising MaxConnectionsError the moment all are busy; closing the client closes the pool."""
    pool = BlockingConnectionPool.from_url(
        settings.url, max_connections=settings.max_connections, timeout=settings.pool_timeout_s
    )
    return Redis.from_pool(pool)


def build_runtime(
    service: str,
    settings: ServiceSettings,
    *,
    root: Path,
    span_processors: Sequence[SpanProcessor] = (),
) -> ServiceRuntime:
    """Build (without connecting) everything a service process needs."""
    configure_logging(settings.log.level, service=service, json=settings.log.json)
    tracer_provider = configure_tracing(settings.telemetry, service=service, span_processors=span_processors)
    engine = create_engine(settings.database)
    instrument_sqlalchemy(engine, tracer_provider=tracer_provider)
    redis = create_redis(settings.redis)
    instrument_redis(redis, tracer_provider=tracer_provider)
    pruning = settings.pruning
    return ServiceRuntime(
        service=service,
        settings=settings,
        root=root,
        engine=engine,
        session_factory=create_session_factory(engine),
        broker=create_broker(
            settings.kafka, service=service, graceful_timeout=settings.shutdown.work_timeout_s
        ),
        redis=redis,
        relay=OutboxRelay(
            database_url=settings.database.url,
            kafka=settings.kafka,
            service=service,
            stop_timeout=settings.shutdown.work_timeout_s,
        ),
        pruner=Pruner(
            engine,
            service=service,
            rules=[processed_events_rule(timedelta(days=pruning.processed_events_retention_days))],
            interval_s=pruning.prune_interval_s,
            batch=pruning.prune_batch,
        ),
        tracer_provider=tracer_provider,
    )
