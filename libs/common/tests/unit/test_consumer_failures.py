"""An outage of the service's own database is waited out, never dead-lettered; a bad event is."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest
import redis.exceptions
from aiokafka import ConsumerRecord
from sqlalchemy.exc import DBAPIError, OperationalError

from switchyard.common.contracts import UserCreated, encode_envelope, to_envelope
from switchyard.common.messaging import IdempotentConsumer, RetryPolicy
from switchyard.common.messaging.failures import is_infrastructure_error

FAST = RetryPolicy(max_attempts=2, base_delay=0.001, max_delay=0.001)


def _wrapped(cause: BaseException) -> RuntimeError:
    try:
        raise RuntimeError("handler failed") from cause
    except RuntimeError as error:
        return error


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("SELECT 1", {}, ConnectionRefusedError()),
        asyncpg.CannotConnectNowError("starting up"),
        _wrapped(asyncpg.ConnectionDoesNotExistError("connection was closed")),
        DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True),
        redis.exceptions.ConnectionError("Error 111 connecting to localhost:6379"),
        _wrapped(redis.exceptions.TimeoutError("Timeout reading from socket")),
    ],
)
def test_database_outages_are_infrastructure_errors(error: BaseException) -> None:
    assert is_infrastructure_error(error)


@pytest.mark.parametrize(
    "error",
    [ValueError("bad email"), KeyError("role"), _wrapped(ValueError("x")), ConnectionRefusedError("smtp")],
)
def test_bugs_bad_data_and_other_dependencies_are_not(error: BaseException) -> None:
    assert not is_infrastructure_error(error)


class _FailingUnitOfWork:
    def __init__(self, error: BaseException) -> None:
        self._error = error

    async def __aenter__(self) -> Any:
        raise self._error

    async def __aexit__(self, *exc: object) -> None:
        return None


class _DeadLetters:
    topic = "users.dead-letter"

    def __init__(self) -> None:
        self.published: list[BaseException] = []

    async def publish(self, record: Any, error: BaseException) -> None:
        self.published.append(error)


def _record() -> ConsumerRecord[bytes, bytes]:
    event = UserCreated(user_id=uuid.uuid4(), email="a@example.com", username="a", role="user")
    value = encode_envelope(to_envelope(event, source="users"))
    return ConsumerRecord("users.user-created.v1", 0, 7, 0, 0, None, value, None, len(value), 0, [])


def _consumer(error: BaseException, dead_letters: _DeadLetters) -> IdempotentConsumer[Any, Any]:
    async def handler(event: Any, envelope: Any, uow: Any) -> None: ...

    return IdempotentConsumer(
        UserCreated,
        handler,
        name="users.on_test",
        service="users",
        uow_factory=lambda: _FailingUnitOfWork(error),
        dead_letters=dead_letters,  # type: ignore[arg-type]
        retry=FAST,
    )


async def test_a_database_outage_is_raised_for_redelivery_not_dead_lettered() -> None:
    dead_letters = _DeadLetters()
    outage = OperationalError("INSERT", {}, ConnectionRefusedError())
    with pytest.raises(OperationalError):
        await _consumer(outage, dead_letters).process(_record())
    assert dead_letters.published == []


async def test_a_handler_bug_out_of_retries_is_dead_lettered() -> None:
    dead_letters = _DeadLetters()
    bug = ValueError("cannot handle this event")
    await _consumer(bug, dead_letters).process(_record())
    assert dead_letters.published == [bug]
