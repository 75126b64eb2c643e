"""Each subscriber turns its event into the right notification (template, category, address, links)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from switchyard.common.contracts import (
    AccountLocked,
    AccountRegistered,
    DuplicateRegistrationAttempted,
    EmailVerificationRequested,
    ImportCompleted,
    IntegrationEvent,
    InvitationIssued,
    PasswordChanged,
    PasswordResetRequested,
    UserDeleted,
    UserProfileUpdated,
    to_envelope,
)
from switchyard.notifications.domain.messages import Links
from switchyard.notifications.domain.model import Category, DeliveryStatus
from switchyard.notifications.entrypoints.events.subscribers import subscribe_all

PUBLIC_URL = "https://app.example"
LATER = datetime.now(UTC) + timedelta(hours=1)
# Not URL-safe on purpose: the link must still carry it intact.
TOKEN = "tok+en/with=odd&chars"


class FakeRuntime:
    """What ``subscribe_all`` needs of the service runtime: it records one handler per event type."""

    def __init__(self) -> None:
        self.handlers: dict[type[IntegrationEvent], Any] = {}

    def subscribe(
        self,
        event_type: type[IntegrationEvent],
        handler: Any,
        _uow_factory: Any,
        *,
        batch_handler: Any = None,
    ) -> None:
        assert event_type not in self.handlers, f"two subscribers for {event_type.__name__}"
        self.handlers[event_type] = handler


@pytest.fixture
def deliver(uow, feed):
    runtime = FakeRuntime()
    subscribe_all(runtime, links=Links(PUBLIC_URL), feed=feed)  # type: ignore[arg-type]

    async def handle(event: IntegrationEvent, source: str = "auth") -> uuid.UUID:
        envelope = to_envelope(event, source=source)
        await runtime.handlers[type(event)](event, envelope, uow)
        await uow.commit()
        return envelope.id

    handle.subscribed = set(runtime.handlers)  # type: ignore[attr-defined]
    return handle


def _token_in(link: str) -> str:
    (token,) = parse_qs(urlsplit(link).query)["token"]
    return token


def test_every_trigger_has_a_subscriber(deliver):
    assert deliver.subscribed == {
        AccountRegistered,
        UserProfileUpdated,
        EmailVerificationRequested,
        PasswordResetRequested,
        PasswordChanged,
        AccountLocked,
        InvitationIssued,
        DuplicateRegistrationAttempted,
        ImportCompleted,
        UserDeleted,
    }


@pytest.mark.parametrize(
    ("event", "template", "category", "path"),
    [
        (
            EmailVerificationRequested(
                account_id=uuid.uuid4(),
                email="ada@example.com",
                username="ada",
                token=TOKEN,
                expires_at=LATER,
                resent=False,
            ),
            "verify-email",
            Category.ACCOUNT,
            "/verify-email",
        ),
        (
            PasswordResetRequested(
                account_id=uuid.uuid4(),
                email="ada@example.com",
                username="ada",
                token=TOKEN,
                expires_at=LATER,
            ),
            "password-reset",
            Category.SECURITY,
            "/reset-password",
        ),
        (
            InvitationIssued(
                account_id=uuid.uuid4(),
                email="ada@example.com",
                username="ada",
                full_name="Ada Lovelace",
                token=TOKEN,
                expires_at=LATER,
                import_id=uuid.uuid4(),
            ),
            "invitation",
            Category.ACCOUNT,
            "/accept-invitation",
        ),
    ],
)
async def test_events_with_a_token_queue_an_email_whose_link_carries_it(
    deliver, uow, event, template: str, category: Category, path: str
):
    source_event_id = await deliver(event)

    (delivery,) = uow.deliveries.rows
    assert (delivery.recipient, delivery.template, delivery.category) == (
        "ada@example.com",
        template,
        category,
    )
    assert (delivery.source_event_id, delivery.user_id) == (source_event_id, event.account_id)
    assert delivery.status is DeliveryStatus.QUEUED
    link = delivery.context["link"]
    assert link.startswith(f"{PUBLIC_URL}{path}?")
    assert _token_in(link) == TOKEN
    assert datetime.fromisoformat(delivery.context["expires_at"]) == event.expires_at


async def test_password_changed_sends_a_security_notice_and_an_inbox_item(deliver, uow, feed):
    event = PasswordChanged(
        account_id=uuid.uuid4(), email="ada@example.com", reason="reset", changed_at=datetime.now(UTC)
    )

    await deliver(event)

    (delivery,) = uow.deliveries.rows
    assert (delivery.template, delivery.category) == ("password-changed", Category.SECURITY)
    assert delivery.context["reason"] == "reset"
    assert delivery.context["reset_link"] == f"{PUBLIC_URL}/forgot-password"
    (item,) = feed.published
    assert (item.user_id, item.category) == (event.account_id, Category.SECURITY)


async def test_account_locked_sends_a_security_notice_and_an_inbox_item(deliver, uow, feed):
    event = AccountLocked(
        account_id=uuid.uuid4(), email="ada@example.com", failed_attempts=5, locked_until=LATER
    )

    await deliver(event)

    (delivery,) = uow.deliveries.rows
    assert (delivery.template, delivery.category) == ("account-locked", Category.SECURITY)
    assert delivery.context["failed_attempts"] == 5
    (item,) = feed.published
    assert "5" in item.body
    assert item.link == f"{PUBLIC_URL}/forgot-password"


async def test_a_duplicate_registration_tells_the_owner(deliver, uow):
    event = DuplicateRegistrationAttempted(account_id=uuid.uuid4(), email="ada@example.com")

    await deliver(event)

    (delivery,) = uow.deliveries.rows
    assert (delivery.recipient, delivery.template) == ("ada@example.com", "duplicate-registration")
    assert delivery.context["login_link"] == f"{PUBLIC_URL}/login"


async def test_import_completed_mails_the_known_uploader_in_their_locale(deliver, uow, feed):
    uploader = uuid.uuid4()
    await deliver(
        AccountRegistered(
            account_id=uploader,
            email="admin@example.com",
            username="admin",
            full_name="The Admin",
            email_verified=True,
            invited=False,
            role="admin",
        )
    )
    await deliver(UserProfileUpdated(user_id=uploader, full_name=None, locale="fr", timezone=None), "users")
    event = ImportCompleted(import_id=uuid.uuid4(), uploaded_by=uploader, total=10, succeeded=8, failed=2)

    await deliver(event, "ingest")

    (delivery,) = uow.deliveries.rows
    assert (delivery.recipient, delivery.template, delivery.category) == (
        "admin@example.com",
        "import-completed",
        Category.IMPORTS,
    )
    assert (delivery.locale, delivery.context["recipient_name"]) == ("fr", "The Admin")
    assert (delivery.context["total"], delivery.context["succeeded"], delivery.context["failed"]) == (
        10,
        8,
        2,
    )
    assert delivery.context["link"] == f"{PUBLIC_URL}/imports/{event.import_id}"
    (item,) = feed.published
    assert item.user_id == uploader


async def test_import_completed_for_an_unknown_uploader_only_fills_the_inbox(deliver, uow, feed):
    event = ImportCompleted(import_id=uuid.uuid4(), uploaded_by=uuid.uuid4(), total=1, succeeded=1, failed=0)

    await deliver(event, "ingest")

    assert uow.deliveries.rows == []
    (item,) = feed.published
    assert item.user_id == event.uploaded_by


async def test_user_deleted_erases_the_user(deliver, uow):
    user = uuid.uuid4()
    await deliver(DuplicateRegistrationAttempted(account_id=user, email="ada@example.com"))

    await deliver(UserDeleted(user_id=user), "users")

    assert uow.deliveries.rows == []
    assert uow.erased.ids == {user}
