"""How many events a consumer takes a unit of work: KAFKA_CONSUME_BATCH_SIZE, or fewer if asked."""

from __future__ import annotations

from typing import Any

import pytest
from faststream.kafka import KafkaBroker

from switchyard.common.contracts import Envelope, UserCreated
from switchyard.common.messaging import KafkaSettings
from switchyard.common.messaging.subscription import subscribe


async def on_user_created(event: UserCreated, envelope: Envelope, uow: Any) -> None: ...


@pytest.mark.parametrize(("asked", "taken"), [(None, 500), (2, 2), (1000, 500)])
def test_a_consumer_takes_at_most_the_batch_size_or_what_it_asks_for(asked, taken) -> None:
    broker = KafkaBroker("127.0.0.1:1")
    kafka = KafkaSettings(bootstrap_servers="127.0.0.1:1", consume_batch_size=500)

    subscribe(
        broker, UserCreated, on_user_created, service="users", kafka=kafka, uow_factory=lambda: None,
        max_records=asked,
    )  # fmt: skip

    (subscriber,) = broker.subscribers
    assert getattr(subscriber, "max_records", None) == taken
