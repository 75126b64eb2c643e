"""Events in, emails out: notifications in-process against real Kafka, PostgreSQL and a real SMTP server.

Auth's (and users', ingest's) events are published to the test's topics as their producers would;
the app's consumers queue deliveries and its sender hands them to the ``smtp_server`` fixture, an
aiosmtpd server that can refuse recipients (550, 451) or be stopped for an outage.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msgspec
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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
    encode_envelope,
    to_envelope,
)
from switchyard.common.db.erasure import user_digest
from switchyard.common.messaging import KafkaSettings, create_producer
from switchyard.common.runtime import ServiceSettings
from switchyard.common.testing import committed_offsets, publish_raw
from switchyard.common.testing.kafka import describe_group
from switchyard.common.testing.smtp import ReceivedMessage, SmtpTestServer
from switchyard.notifications.adapters.orm import deliveries, erased_users, recipients
from switchyard.notifications.bootstrap import bootstrap
from switchyard.notifications.settings import NotificationsSettings, SendingSettings, SmtpSettings

pytestmark = pytest.mark.integration

PUBLIC_URL = "https://app.switchyard.test"
MAIL_FROM = "Switchyard <no-reply@switchyard.test>"
DEAD_LETTER = "notifications.dead-letter"
VERIFY_CONSUMER = "notifications.on_email_verification_requested"
RESET_CONSUMER = "notifications.on_password_reset_requested"
# Fast retries, so that tests of retrying take seconds.
FAST = {"retry_base_s": 0.2, "retry_max_s": 1.0, "idle_poll_s": 0.05}
LINK = re.compile(r"https?://[^\s\"'<>]+")

type Sessions = async_sessionmaker[AsyncSession]


@dataclass
class Notifications:
    settings: ServiceSettings
    db: Sessions


type Start = Callable[..., Awaitable[Notifications]]


@pytest.fixture
def start_notifications(
    make_service_settings, make_database, start_app, smtp_server: SmtpTestServer
) -> Start:
    """``await start_notifications(max_attempts=2)``: the app sending to ``smtp_server``.

    ``settings=`` runs another instance on the same database and topics (a second replica).
    """

    async def start(settings: ServiceSettings | None = None, **sending: Any) -> Notifications:
        settings = settings if settings is not None else await make_service_settings()
        notifications = NotificationsSettings(
            smtp=SmtpSettings(
                host=smtp_server.host, port=smtp_server.port, timeout_s=5.0, mail_from=MAIL_FROM
            ),
            sending=SendingSettings(public_url=PUBLIC_URL, **{**FAST, **sending}),
        )
        client = await start_app(bootstrap(settings, notifications=notifications))
        assert (await client.get("/health/ready")).status_code == 200
        return Notifications(settings, make_database.sessions(settings.database.url))

    return start


@pytest.fixture
def deliver(kafka_settings: KafkaSettings) -> Callable[..., Awaitable[uuid.UUID]]:
    """``await deliver(event, source="auth")``: publish as its producer would; the envelope id."""

    async def publish(event: IntegrationEvent, *, source: str = "auth") -> uuid.UUID:
        envelope = to_envelope(event, source=source)
        topic = kafka_settings.topic(event.TOPIC)
        await publish_raw(kafka_settings, topic, encode_envelope(envelope), key=event.partition_key.encode())
        return envelope.id

    return publish


async def publish_many(
    kafka: KafkaSettings, events: Sequence[IntegrationEvent], *, source: str = "auth"
) -> None:
    """Publish ``events`` through one producer, as fast as it takes them."""
    producer = create_producer(kafka, client_id="switchyard-tests")
    await producer.start()
    try:
        sent = [
            await producer.send(
                kafka.topic(event.TOPIC),
                encode_envelope(to_envelope(event, source=source)),
                key=event.partition_key.encode(),
            )
            for event in events
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def consumer_ready(kafka: KafkaSettings, consumer: str, *, members: int = 1) -> bool:
    """Whether ``consumer``'s group is stable with ``members`` members, each assigned partitions."""
    group = await describe_group(kafka, consumer)
    found = group["members"]
    return group["state"] == "Stable" and len(found) == members and all(m["member_assignment"] for m in found)


# Events, each to an address of its own.


def _address(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}@example.com"


def _token() -> str:
    return secrets.token_urlsafe(32)


def _later() -> datetime:
    return datetime.now(UTC) + timedelta(hours=1)


def verification(email: str | None = None, account_id: uuid.UUID | None = None) -> EmailVerificationRequested:
    return EmailVerificationRequested(
        account_id=account_id or uuid.uuid4(),
        email=email or _address("verify"),
        username=f"u{uuid.uuid4().hex[:8]}",
        token=_token(),
        expires_at=_later(),
        resent=False,
    )


def password_reset(email: str | None = None, account_id: uuid.UUID | None = None) -> PasswordResetRequested:
    return PasswordResetRequested(
        account_id=account_id or uuid.uuid4(),
        email=email or _address("reset"),
        username=f"u{uuid.uuid4().hex[:8]}",
        token=_token(),
        expires_at=_later(),
    )


def registered(account_id: uuid.UUID, email: str, full_name: str | None = None) -> AccountRegistered:
    return AccountRegistered(
        account_id=account_id,
        email=email,
        username=f"u{uuid.uuid4().hex[:8]}",
        full_name=full_name,
        email_verified=True,
        invited=False,
    )


# What the database and the SMTP server hold.


async def _deliveries(db: Sessions, **where: Any) -> list[Any]:
    query = select(deliveries).where(*(deliveries.c[name] == value for name, value in where.items()))
    async with db() as session:
        return list((await session.execute(query)).all())


async def _count(db: Sessions, *conditions: Any) -> int:
    async with db() as session:
        query = select(func.count()).select_from(deliveries).where(*conditions)
        return int((await session.execute(query)).scalar_one())


def _status_is(db: Sessions, source_event_id: uuid.UUID, status: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        rows = await _deliveries(db, source_event_id=source_event_id)
        return len(rows) == 1 and rows[0].status == status

    return check


def _links(message: ReceivedMessage) -> tuple[list[str], str]:
    """The links of the plain-text part, and the HTML part."""
    text = message.message.get_body(preferencelist=("plain",))
    html = message.message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return LINK.findall(text.get_content()), html.get_content()


def _token_link(message: ReceivedMessage, path: str) -> str:
    links, html = _links(message)
    (link,) = [link for link in links if link.startswith(f"{PUBLIC_URL}{path}?")]
    assert f'href="{link}"' in html
    return link


def _delivery_id(message: ReceivedMessage) -> str:
    """The delivery a message was sent for: its Message-ID is ``<delivery id hex@...>``."""
    assert message.message_id is not None
    return message.message_id.strip("<>").split("@")[0]


async def _dead_letters(read_topic, kafka_settings: KafkaSettings) -> list[Any]:
    return list(await read_topic(kafka_settings.topic(DEAD_LETTER)))


async def _arrived(smtp_server: SmtpTestServer, email: str) -> bool:
    return len(smtp_server.messages_to(email)) >= 1


# The tests.


async def test_a_verification_email_arrives_with_its_link(
    start_notifications: Start, smtp_server: SmtpTestServer, deliver, wait_until
):
    # How fast (the 2 s) is measured by bench/event_latency.py against the running stack.
    app = await start_notifications()
    event = verification()

    source_event_id = await deliver(event)
    await wait_until(lambda: _arrived(smtp_server, event.email))

    (message,) = smtp_server.messages_to(event.email)
    assert message.recipients == (event.email,)
    assert str(message.message["To"]) == event.email
    assert str(message.message["From"]) == MAIL_FROM
    assert str(message.message["Subject"]).strip()
    assert message.message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.message.iter_parts()] == ["text/plain", "text/html"]
    link = _token_link(message, "/verify-email")
    assert parse_qs(urlsplit(link).query) == {"token": [event.token]}

    await wait_until(_status_is(app.db, source_event_id, "sent"))
    (delivery,) = await _deliveries(app.db, source_event_id=source_event_id)
    assert (delivery.recipient, delivery.template, delivery.user_id) == (
        event.email,
        "verify-email",
        event.account_id,
    )
    assert (delivery.attempts, delivery.last_error) == (1, None)
    assert delivery.sent_at is not None
    assert _delivery_id(message) == delivery.id.hex


async def test_every_trigger_sends_its_own_email(
    start_notifications: Start, smtp_server: SmtpTestServer, deliver, wait_until
):
    app = await start_notifications()
    uploader, uploader_email = uuid.uuid4(), _address("admin")
    # The uploader of an import is known from auth's account-registered, which carries the address.
    await deliver(registered(uploader, uploader_email, full_name="Grace Admin"))

    async def uploader_known() -> bool:
        async with app.db() as session:
            query = select(recipients.c.email).where(recipients.c.user_id == uploader)
            return (await session.execute(query)).scalar_one_or_none() == uploader_email

    await wait_until(uploader_known)
    now = datetime.now(UTC)
    import_id = uuid.uuid4()
    reset = password_reset()
    changed, locked, duplicate = _address("changed"), _address("locked"), _address("duplicate")
    invitation = InvitationIssued(
        account_id=uuid.uuid4(),
        email=_address("invited"),
        username="invitee",
        full_name="Ivy Invitee",
        token=_token(),
        expires_at=_later(),
        import_id=import_id,
    )
    # (event, source, address, template, a link the email must contain)
    cases: list[tuple[IntegrationEvent, str, str, str, str]] = [
        (reset, "auth", reset.email, "password-reset", f"{PUBLIC_URL}/reset-password?token={reset.token}"),
        (
            PasswordChanged(account_id=uuid.uuid4(), email=changed, reason="changed", changed_at=now),
            "auth",
            changed,
            "password-changed",
            f"{PUBLIC_URL}/forgot-password",
        ),
        (
            AccountLocked(account_id=uuid.uuid4(), email=locked, failed_attempts=5, locked_until=now),
            "auth",
            locked,
            "account-locked",
            f"{PUBLIC_URL}/forgot-password",
        ),
        (
            invitation,
            "auth",
            invitation.email,
            "invitation",
            f"{PUBLIC_URL}/accept-invitation?token={invitation.token}",
        ),
        (
            DuplicateRegistrationAttempted(account_id=uuid.uuid4(), email=duplicate),
            "auth",
            duplicate,
            "duplicate-registration",
            f"{PUBLIC_URL}/login",
        ),
        (
            ImportCompleted(import_id=import_id, uploaded_by=uploader, total=3, succeeded=2, failed=1),
            "ingest",
            uploader_email,
            "import-completed",
            f"{PUBLIC_URL}/imports/{import_id}",
        ),
    ]
    sources = [await deliver(event, source=source) for event, source, *_ in cases]

    async def all_sent() -> bool:
        return await _count(app.db, deliveries.c.status == "sent") == len(cases)

    await wait_until(all_sent)
    subjects = set()
    for (_, _, email, template, link), source_event_id in zip(cases, sources, strict=True):
        (delivery,) = await _deliveries(app.db, source_event_id=source_event_id)
        assert (delivery.template, delivery.recipient, delivery.attempts) == (template, email, 1)
        (message,) = smtp_server.messages_to(email)
        assert _delivery_id(message) == delivery.id.hex
        links, html = _links(message)
        assert link in links, (template, links)
        assert link in html.replace("&amp;", "&")
        subjects.add(str(message.message["Subject"]))
    assert len(subjects) == len(cases), "each template has a subject of its own"
    assert len(smtp_server.messages) == len(cases)


async def test_the_same_event_twice_on_two_replicas_sends_one_email(
    start_notifications: Start, smtp_server: SmtpTestServer, kafka_settings, wait_until, read_topic
):
    first = await start_notifications()
    second = await start_notifications(first.settings)
    # Both replicas hold partitions of the topic, so copies on different partitions meet concurrently.
    await wait_until(lambda: consumer_ready(kafka_settings, VERIFY_CONSUMER, members=2))
    event = verification()
    envelope = to_envelope(event, source="auth")
    topic = kafka_settings.topic(EmailVerificationRequested.TOPIC)
    copies = 0
    producer = create_producer(kafka_settings, client_id="switchyard-tests")
    await producer.start()
    try:
        for partition in sorted(await producer.partitions_for(topic)) * 2:
            await producer.send_and_wait(topic, encode_envelope(envelope), partition=partition)
            copies += 1
    finally:
        await producer.stop()

    async def all_copies_consumed_and_sent() -> bool:
        consumed = await committed_offsets(kafka_settings, VERIFY_CONSUMER, topic) == copies
        return consumed and await _status_is(first.db, envelope.id, "sent")()

    await wait_until(all_copies_consumed_and_sent)
    # One row, claimed once (a second claim, by either replica, would have counted an attempt).
    assert await _count(second.db, deliveries.c.source_event_id == envelope.id) == 1
    (delivery,) = await _deliveries(first.db, source_event_id=envelope.id)
    assert delivery.attempts == 1
    (message,) = smtp_server.messages_to(event.email)
    assert _delivery_id(message) == delivery.id.hex
    assert smtp_server.rcpt_attempts(event.email) == 1
    assert len(smtp_server.messages) == 1
    assert await _dead_letters(read_topic, kafka_settings) == []


async def test_a_550_fails_the_delivery_after_one_attempt(
    start_notifications: Start, smtp_server: SmtpTestServer, deliver, kafka_settings, wait_until, read_topic
):
    app = await start_notifications()
    refused = password_reset()
    smtp_server.answer(refused.email, 550)

    source_event_id = await deliver(refused)
    await wait_until(_status_is(app.db, source_event_id, "failed"))
    # Another email afterwards: the sender went on working, and had every chance to retry the first.
    control = password_reset()
    control_id = await deliver(control)
    await wait_until(_status_is(app.db, control_id, "sent"))

    (delivery,) = await _deliveries(app.db, source_event_id=source_event_id)
    assert delivery.attempts == 1
    assert delivery.last_error.startswith("550")
    assert smtp_server.rcpt_attempts(refused.email) == 1
    assert smtp_server.messages_to(refused.email) == []
    assert len(smtp_server.messages_to(control.email)) == 1
    assert await _dead_letters(read_topic, kafka_settings) == []


async def test_a_451_is_retried_until_the_server_takes_the_message(
    start_notifications: Start, smtp_server: SmtpTestServer, deliver, kafka_settings, wait_until, read_topic
):
    app = await start_notifications()
    event = verification()
    smtp_server.answer(event.email, 451, times=2)

    source_event_id = await deliver(event)
    await wait_until(_status_is(app.db, source_event_id, "sent"))

    (delivery,) = await _deliveries(app.db, source_event_id=source_event_id)
    assert (delivery.attempts, delivery.last_error) == (3, None)
    assert smtp_server.rcpt_attempts(event.email) == 3
    assert len(smtp_server.messages_to(event.email)) == 1
    assert await _dead_letters(read_topic, kafka_settings) == []


async def test_a_burst_during_a_30_second_outage_is_delivered_exactly_once_afterwards(
    start_notifications: Start, smtp_server: SmtpTestServer, kafka_settings, wait_until, read_topic
):
    burst, outage_s = 1000, 30.0
    # Enough attempts to outlast the outage at the capped backoff (about one attempt a second).
    app = await start_notifications(max_attempts=200)
    smtp_server.stop()
    stopped = time.monotonic()
    events = [verification(email=f"burst-{n:04d}-{uuid.uuid4().hex[:6]}@example.com") for n in range(burst)]

    await publish_many(kafka_settings, events)
    await asyncio.sleep(max(0.0, outage_s - (time.monotonic() - stopped)))
    # A second attempt is claimed only once the first has failed: these met the outage.
    failed_during_the_outage = {row.id for row in await _deliveries(app.db) if row.attempts >= 2}
    smtp_server.start()

    assert failed_during_the_outage

    async def all_sent() -> bool:
        return await _count(app.db, deliveries.c.status == "sent") == burst

    await wait_until(all_sent, within=90.0, interval=0.25)
    messages = smtp_server.messages
    assert len(messages) == burst
    by_recipient = Counter(r for m in messages for r in m.recipients)
    assert set(by_recipient) == {e.email for e in events}
    assert set(by_recipient.values()) == {1}
    assert len({m.message_id for m in messages}) == burst
    rows = await _deliveries(app.db)
    assert Counter(_delivery_id(m) for m in messages) == Counter(row.id.hex for row in rows)
    assert all(row.last_error is None for row in rows if row.id in failed_during_the_outage)
    assert await _dead_letters(read_topic, kafka_settings) == []


async def test_out_of_attempts_fails_and_reports_to_the_dead_letter_topic_without_the_token(
    start_notifications: Start, smtp_server: SmtpTestServer, deliver, kafka_settings, wait_until, read_topic
):
    app = await start_notifications(max_attempts=2, retry_base_s=0.05, retry_max_s=0.1)
    smtp_server.stop()
    event = password_reset()

    source_event_id = await deliver(event)
    await wait_until(_status_is(app.db, source_event_id, "failed"))

    async def dead_lettered() -> bool:
        return len(await _dead_letters(read_topic, kafka_settings)) >= 1

    await wait_until(dead_lettered)
    (delivery,) = await _deliveries(app.db, source_event_id=source_event_id)
    assert delivery.attempts == 2
    assert delivery.last_error
    (record,) = await _dead_letters(read_topic, kafka_settings)
    summary = msgspec.json.decode(record.value)
    assert summary["delivery_id"] == str(delivery.id)
    assert summary["source_event_id"] == str(source_event_id)
    assert (summary["template"], summary["attempts"]) == ("password-reset", 2)
    everything = record.value + b"".join(value for _, value in record.headers)
    assert event.token.encode() not in everything
    assert event.email.encode() not in everything


async def test_after_user_deleted_later_events_for_that_user_send_nothing(
    start_notifications: Start, smtp_server: SmtpTestServer, deliver, kafka_settings, wait_until
):
    app = await start_notifications()
    user, email = uuid.uuid4(), _address("erased")
    await deliver(registered(user, email))
    first = await deliver(verification(email=email, account_id=user))
    await wait_until(_status_is(app.db, first, "sent"))

    await deliver(UserDeleted(user_id=user), source="users")

    async def erased() -> bool:
        async with app.db() as session:
            query = select(erased_users.c.user_digest).where(erased_users.c.user_digest == user_digest(user))
            return (await session.execute(query)).first() is not None

    await wait_until(erased)
    assert await _deliveries(app.db, user_id=user) == []
    later = await deliver(password_reset(email=email, account_id=user))
    # A reset for someone else, after it on the same consumer: once sent, the erased user's was handled.
    control = password_reset()
    control_id = await deliver(control)
    topic = kafka_settings.topic(PasswordResetRequested.TOPIC)

    async def both_consumed() -> bool:
        return await committed_offsets(kafka_settings, RESET_CONSUMER, topic) == 2

    await wait_until(both_consumed)
    await wait_until(_status_is(app.db, control_id, "sent"))

    assert await _deliveries(app.db, source_event_id=later) == []
    assert await _deliveries(app.db, user_id=user) == []
    async with app.db() as session:
        assert (await session.execute(select(recipients).where(recipients.c.user_id == user))).first() is None
    assert len(smtp_server.messages_to(email)) == 1, "only the email sent before the deletion"
