"""Composition root of the notifications service."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import msgspec
from litestar import Litestar
from opentelemetry.sdk.trace import SpanProcessor

from switchyard.common.messaging import dead_letter_topic
from switchyard.common.runtime import ServiceRuntime, ServiceSettings, build_runtime
from switchyard.notifications.adapters.live import InboxFeed
from switchyard.notifications.adapters.smtp import SmtpSender
from switchyard.notifications.adapters.templates import TemplateRenderer
from switchyard.notifications.domain.messages import Links
from switchyard.notifications.domain.model import Delivery
from switchyard.notifications.entrypoints.events.subscribers import subscribe_all
from switchyard.notifications.entrypoints.http import ROUTES
from switchyard.notifications.entrypoints.http.dependencies import StreamOptions, http_dependencies
from switchyard.notifications.entrypoints.http.problems import PROBLEMS
from switchyard.notifications.service_layer.sending import DeliverySender
from switchyard.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from switchyard.notifications.settings import NotificationsSettings, load_notifications_settings

SERVICE = "notifications"
# services/notifications/, where alembic.ini and migrations/ live.
SERVICE_ROOT = Path(__file__).resolve().parents[3]


def build_sender(runtime: ServiceRuntime, settings: NotificationsSettings) -> DeliverySender:
    topic = runtime.settings.kafka.topic(dead_letter_topic(SERVICE))

    async def dead_letter(delivery: Delivery, error: str) -> None:
        # What failed, never the render context (it holds one-time tokens) nor the address.
        summary = {
            "delivery_id": str(delivery.id),
            "template": delivery.template,
            "source_event_id": str(delivery.source_event_id),
            "user_id": None if delivery.user_id is None else str(delivery.user_id),
            "attempts": delivery.attempts,
        }
        headers = {"x-consumer": f"{SERVICE}.sender", "x-error-message": error[:2000]}
        await runtime.broker.publish(msgspec.json.encode(summary), topic=topic, headers=headers)

    return DeliverySender(
        settings=settings,
        uow=lambda: NotificationsUnitOfWork(runtime.session_factory),
        smtp=SmtpSender(settings.smtp),
        bulk_smtp=SmtpSender(settings.smtp),
        renderer=TemplateRenderer(default_locale=settings.sending.default_locale),
        dead_letter=dead_letter,
    )


def bootstrap(
    settings: ServiceSettings,
    *,
    notifications: NotificationsSettings | None = None,
    span_processors: Sequence[SpanProcessor] = (),
) -> Litestar:
    notifications = notifications if notifications is not None else load_notifications_settings()
    runtime = build_runtime(SERVICE, settings, root=SERVICE_ROOT, span_processors=span_processors)
    feed = InboxFeed(runtime.redis)
    subscribe_all(runtime, links=Links(notifications.sending.public_url), feed=feed)
    sender = build_sender(runtime, notifications)

    # After the sender: feed.aclose() ends open streams and closes the pub/sub connection.
    sending = runtime.background_task(
        "notifications-sender",
        sender.run,
        after=[sender.close, feed.aclose],
    )

    app = runtime.app(
        route_handlers=ROUTES,
        dependencies=http_dependencies(
            lambda: NotificationsUnitOfWork(runtime.session_factory),
            feed,
            StreamOptions(heartbeat_s=notifications.sending.stream_heartbeat_s),
        ),
        problems=PROBLEMS,
        lifespan=[sending],
    )
    # Tests reach the live feed here (to cut its Redis connection, say).
    app.state.inbox_feed = feed
    return app
