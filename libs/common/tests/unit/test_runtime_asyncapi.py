"""Each service serves an AsyncAPI document of the topics it consumes and produces."""

from __future__ import annotations

import json

from faststream.kafka import KafkaBroker
from litestar import Litestar
from litestar.testing import TestClient

from switchyard.common.contracts import UserCreated
from switchyard.common.runtime.asyncapi import asyncapi_handler, declare_published


def test_asyncapi_document_lists_consumed_and_produced_topics() -> None:
    broker = KafkaBroker("127.0.0.1:1")

    @broker.subscriber("p-auth.account-registered.v1", group_id="users.on_account_registered")
    async def on_account_registered(body: bytes) -> None: ...

    declare_published(broker, [UserCreated], "p-")
    app = Litestar([asyncapi_handler(broker, service="users", version="1.2.3")])
    with TestClient(app) as client:
        response = client.get("/asyncapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["info"] == {"title": "switchyard-users", "version": "1.2.3"}
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {"p-auth.account-registered.v1", "p-users.user-created.v1"}
