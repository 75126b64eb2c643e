"""The AsyncAPI document of a service's topics, served at ``GET /asyncapi.json``."""

from __future__ import annotations

from collections.abc import Sequence

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from litestar import Response, get
from litestar.handlers import HTTPRouteHandler

from switchyard.common.contracts import IntegrationEvent


def declare_published(broker: KafkaBroker, events: Sequence[type[IntegrationEvent]], prefix: str) -> None:
    """Document the events a service produces; the outbox relay, not these publishers, sends them."""
    for event in events:
        broker.publisher(
            f"{prefix}{event.TOPIC}",
            title=f"{event.TOPIC}:publish",
            # FastStream derives payload schemas through pydantic, which cannot read msgspec
            # structs; the committed JSON schemas under libs/common/tests/contracts are the reference.
            description=f"{(event.__doc__ or '').strip()} Envelope type {event.TYPE} v{event.VERSION}.",
        )


def asyncapi_handler(broker: KafkaBroker, *, service: str, version: str) -> HTTPRouteHandler:
    document: bytes | None = None

    @get("/asyncapi.json", include_in_schema=False, sync_to_thread=False)
    def asyncapi() -> Response[bytes]:
        nonlocal document
        # Built on first request: by then every subscriber and publisher is registered.
        if document is None:
            spec = AsyncAPI(broker, title=f"switchyard-{service}", version=version).to_specification()
            document = spec.to_json().encode()
        return Response(document, media_type="application/json")

    return asyncapi
