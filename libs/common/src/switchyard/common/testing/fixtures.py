"""The pytest plugin of shared fixtures, registered by the repository's root ``conftest.py``.

Session: ``infrastructure`` (see :mod:`.infrastructure`) and its parts ``database_server_url``,
``kafka_bootstrap``, ``redis_url``; a test requesting any of them fails (never skips) when no
infrastructure answers. Per test: ``make_database``, ``kafka_settings``, ``read_topic``,
``wait_until``, ``make_service_settings``, ``start_app`` (in-process) and ``start_service``
(a real process). End-to-end: ``gateway`` (the running stack's gateway and admin login).
Everything a test creates is removed after it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, ExitStack
from functools import partial
from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from switchyard.common.messaging import KafkaSettings
from switchyard.common.messaging.topic_reader import read_topic as read_whole_topic
from switchyard.common.runtime import ServiceSettings
from switchyard.common.testing.databases import DatabaseFactory
from switchyard.common.testing.gateway import Gateway, resolve_gateway
from switchyard.common.testing.infrastructure import (
    Infrastructure,
    InfrastructureUnavailable,
    resolve_infrastructure,
)
from switchyard.common.testing.jwks import JwksServer, serve_jwks
from switchyard.common.testing.kafka import ReadTopic, isolated_topics
from switchyard.common.testing.services import (
    ServiceProcess,
    running_app,
    service_settings,
    start_service_process,
)
from switchyard.common.testing.smtp import SmtpTestServer
from switchyard.common.testing.waiting import WaitUntil
from switchyard.common.testing.waiting import wait_until as _wait_until

type MakeServiceSettings = Callable[[], Awaitable[ServiceSettings]]
type StartApp = Callable[[Litestar], Awaitable[httpx.AsyncClient]]
type StartService = Callable[[str, ServiceSettings], Awaitable[ServiceProcess]]


@pytest.fixture(scope="session")
def infrastructure(pytestconfig: pytest.Config) -> Iterator[Infrastructure]:
    with ExitStack() as stack:
        try:
            found = stack.enter_context(resolve_infrastructure(pytestconfig.rootpath))
        except InfrastructureUnavailable as exc:
            problem = str(exc)
        else:
            yield found
            return
    # Outside the handler, so the report shows the message alone, not a chained traceback.
    pytest.fail(problem, pytrace=False)


@pytest.fixture(scope="session")
def gateway() -> Gateway:
    """The running stack's gateway (end-to-end tests); no stack is a failure, not a skip."""
    try:
        return resolve_gateway()
    except InfrastructureUnavailable as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def database_server_url(infrastructure: Infrastructure) -> str:
    """Superuser URL of a PostgreSQL server where tests create their databases."""
    return infrastructure.database_url


@pytest.fixture(scope="session")
def kafka_bootstrap(infrastructure: Infrastructure) -> str:
    return infrastructure.kafka_bootstrap


@pytest.fixture(scope="session")
def redis_url(infrastructure: Infrastructure) -> str:
    return infrastructure.redis_url


@pytest.fixture
async def make_database(database_server_url: str) -> AsyncIterator[DatabaseFactory]:
    """``await make_database.create(migrations=SERVICE_ROOT)``: fresh databases, dropped after the test."""
    factory = DatabaseFactory(database_server_url)
    yield factory
    await factory.close()


@pytest.fixture
async def kafka_settings(kafka_bootstrap: str) -> AsyncIterator[KafkaSettings]:
    """Kafka settings with a unique topic prefix; every catalog and dead-letter topic exists."""
    async with isolated_topics(kafka_bootstrap) as settings:
        yield settings


@pytest.fixture
def read_topic(kafka_settings: KafkaSettings) -> ReadTopic:
    """Every record now in a topic (full name: ``kafka_settings.topic(...)``), by partition, offset."""
    return partial(read_whole_topic, kafka_settings)


@pytest.fixture
def wait_until() -> WaitUntil:
    return _wait_until


@pytest.fixture
def make_service_settings(
    make_database: DatabaseFactory, kafka_settings: KafkaSettings, redis_url: str
) -> MakeServiceSettings:
    """``await make_service_settings()``: settings on an empty database of its own (the app migrates it)."""

    async def make() -> ServiceSettings:
        database_url = await make_database.create()
        return service_settings(database_url=database_url, kafka=kafka_settings, redis_url=redis_url)

    return make


@pytest.fixture
async def start_app(make_database: DatabaseFactory, kafka_settings: KafkaSettings) -> AsyncIterator[StartApp]:
    """``client = await start_app(bootstrap(settings))``: lifespan running in this loop until teardown.

    Depends on the database and Kafka fixtures so apps stop before their databases and topics go.
    """
    async with AsyncExitStack() as stack:

        async def start(app: Litestar) -> httpx.AsyncClient:
            return await stack.enter_async_context(running_app(app))

        yield start


@pytest.fixture
async def start_service(
    make_database: DatabaseFactory, kafka_settings: KafkaSettings, tmp_path: Path
) -> AsyncIterator[StartService]:
    """``process = await start_service("users", settings)``: ready on return, stopped at teardown."""
    started: list[ServiceProcess] = []

    async def start(service: str, settings: ServiceSettings) -> ServiceProcess:
        process = await start_service_process(
            service, settings, log=tmp_path / f"{service}-{len(started)}.log"
        )
        started.append(process)
        return process

    yield start
    for process in reversed(started):
        await process.stop()


@pytest.fixture(scope="module")
async def jwks_server() -> AsyncIterator[JwksServer]:
    """Auth's key endpoint stand-in: point ``JwtSettings(jwks_url=jwks_server.url)`` at it and send
    ``jwks_server.bearer(user_id, roles=[...])``."""
    async with serve_jwks() as server:
        yield server


@pytest.fixture
def smtp_server() -> Iterator[SmtpTestServer]:
    """A real SMTP server on a free loopback port (``.host``, ``.port``) keeping what it receives
    (``.messages``); ``.stop()``/``.start()`` for an outage, ``.answer(recipient, 550)`` to refuse."""
    server = SmtpTestServer()
    server.start()
    yield server
    server.stop()
