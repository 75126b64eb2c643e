"""A batch of records in one transaction: duplicates skipped, poison and failing events isolated."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from aiokafka import ConsumerRecord
from sqlalchemy import Table, func, insert, select

from switchyard.common.contracts import Envelope, UserCreated, encode_envelope, to_envelope
from switchyard.common.db import SqlAlchemyUnitOfWork
from switchyard.common.messaging import IdempotentConsumer, Outcome, PermanentError, RetryPolicy

pytestmark = pytest.mark.integration

FAST = RetryPolicy(max_attempts=2, base_delay=0.001, max_delay=0.001)


class _DeadLetters:
    topic = "users.dead-letter"

    def __init__(self) -> None:
        self.published: list[tuple[int, BaseException]] = []

    async def publish(self, record: Any, error: BaseException) -> None:
        self.published.append((record.offset, error))


def _record(offset: int, value: bytes) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord("users.user-created.v1", 0, offset, 0, 0, None, value, None, len(value), 0, [])


def _event(username: str) -> bytes:
    event = UserCreated(user_id=uuid.uuid4(), email=f"{username}@example.com", username=username, role="user")
    return encode_envelope(to_envelope(event, source="users"))


def _consumer(
    uow_factory: Callable[[], SqlAlchemyUnitOfWork],
    effects: Table,
    dead_letters: _DeadLetters,
    calls: list[int],
    name: str,
) -> IdempotentConsumer[UserCreated, SqlAlchemyUnitOfWork]:
    async def apply(batch: Sequence[tuple[UserCreated, Envelope]], uow: SqlAlchemyUnitOfWork) -> None:
        calls.append(len(batch))
        if any(event.username == "poisonous" for event, _ in batch):
            raise PermanentError("this one can never be applied")
        await uow.session.execute(
            insert(effects), [{"event_id": envelope.id, "note": event.username} for event, envelope in batch]
        )

    async def unused(event: UserCreated, envelope: Envelope, uow: SqlAlchemyUnitOfWork) -> None:
        raise AssertionError("the batch handler replaces the single-event handler")

    return IdempotentConsumer(
        UserCreated,
        unused,
        name=name,
        service="users",
        uow_factory=uow_factory,
        dead_letters=dead_letters,  # type: ignore[arg-type]
        retry=FAST,
        batch_handler=apply,
    )


async def _notes(uow_factory: Callable[[], SqlAlchemyUnitOfWork], effects: Table) -> list[str]:
    async with uow_factory() as uow:
        return list((await uow.session.execute(select(effects.c.note).order_by(effects.c.note))).scalars())


async def test_a_batch_is_applied_in_one_call_and_a_redelivered_event_has_no_second_effect(
    uow_factory: Callable[[], SqlAlchemyUnitOfWork], effects_table: Table, consumer_name: str
) -> None:
    dead_letters, calls = _DeadLetters(), list[int]()
    consumer = _consumer(uow_factory, effects_table, dead_letters, calls, consumer_name)
    first, second = _event("ada"), _event("bob")
    records = [_record(0, first), _record(1, second), _record(2, first)]

    outcomes = await consumer.process_batch(records)

    assert outcomes == [Outcome.PROCESSED, Outcome.PROCESSED, Outcome.DUPLICATE]
    assert calls == [2]
    assert await _notes(uow_factory, effects_table) == ["ada", "bob"]
    assert await consumer.process_batch([_record(3, second), _record(4, _event("cy"))]) == [
        Outcome.DUPLICATE,
        Outcome.PROCESSED,
    ]
    assert await _notes(uow_factory, effects_table) == ["ada", "bob", "cy"]
    assert dead_letters.published == []


async def test_poison_and_a_failing_event_are_dead_lettered_while_the_rest_of_the_batch_is_applied(
    uow_factory: Callable[[], SqlAlchemyUnitOfWork], effects_table: Table, consumer_name: str
) -> None:
    dead_letters, calls = _DeadLetters(), list[int]()
    consumer = _consumer(uow_factory, effects_table, dead_letters, calls, consumer_name)
    records = [
        _record(10, _event("dee")),
        _record(11, b"{not json"),
        _record(12, _event("poisonous")),
        _record(13, _event("eve")),
    ]

    outcomes = await consumer.process_batch(records)

    assert sorted(outcomes) == sorted(
        [Outcome.DEAD_LETTERED, Outcome.PROCESSED, Outcome.DEAD_LETTERED, Outcome.PROCESSED]
    )
    # The batch of three failed as a whole, then each event went on its own.
    assert calls == [3, 1, 1, 1]
    assert await _notes(uow_factory, effects_table) == ["dee", "eve"]
    assert [offset for offset, _ in dead_letters.published] == [11, 12]
    async with uow_factory() as uow:
        count = select(func.count()).select_from(effects_table)
        assert (await uow.session.execute(count)).scalar_one() == 2
