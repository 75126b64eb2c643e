"""The admin's delivery log: ``GET /deliveries`` and ``POST /deliveries/{id}/retry``."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from switchyard.common.testing import wait_until
from switchyard.notifications.domain.model import DeliveryStatus
from switchyard.notifications.settings import NotificationsSettings, SendingSettings, SmtpSettings

pytestmark = pytest.mark.integration


def mailing_to(smtp_server) -> NotificationsSettings:
    return NotificationsSettings(
        smtp=SmtpSettings(host=smtp_server.host, port=smtp_server.port, timeout_s=5.0),
        sending=SendingSettings(idle_poll_s=0.05),
    )


FIELDS = {
    "id",
    "user_id",
    "recipient",
    "template",
    "category",
    "source_event_id",
    "status",
    "attempts",
    "last_error",
    "created_at",
    "sent_at",
    "next_attempt_at",
}


@pytest.mark.parametrize(
    ("roles", "status"),
    [
        (None, 401),
        (["user"], 403),
        (["moderator"], 403),
        ([], 403),
        (["user", "admin"], 200),
        (["admin"], 200),
    ],
)
async def test_only_admins_read_the_log(api, roles, status) -> None:
    headers = {} if roles is None else api.bearer(uuid.uuid4(), roles=roles)

    response = await api.client.get("/deliveries", headers=headers)

    if status == 200:
        assert response.status_code == 200, response.text
        assert set(response.json()) == {"items", "next_cursor"}
    else:
        api.problem(response, status)


@pytest.mark.parametrize(("roles", "status"), [(None, 401), (["user"], 403), (["moderator"], 403)])
async def test_only_admins_retry_and_nothing_changes_otherwise(api, roles, status) -> None:
    delivery = await api.add_delivery(DeliveryStatus.FAILED, last_error="550 no such mailbox")
    headers = {} if roles is None else api.bearer(uuid.uuid4(), roles=roles)

    response = await api.client.post(f"/deliveries/{delivery.id}/retry", headers=headers)

    api.problem(response, status)
    assert (await api.delivery_row(delivery.id))["status"] == "failed"


async def test_the_log_pages_newest_first_by_status_without_render_context(start_api) -> None:
    api = await start_api()
    _, admin = api.user(roles=["admin"])
    start = datetime(2030, 1, 1, tzinfo=UTC)
    failed = [
        await api.add_delivery(
            DeliveryStatus.FAILED,
            created_at=start + timedelta(minutes=n),
            attempts=8,
            last_error=f"error {n}",
        )
        for n in range(7)
    ]
    # Two at the same moment: the id breaks the tie, so neither is skipped nor repeated.
    failed.append(await api.add_delivery(DeliveryStatus.FAILED, created_at=failed[3].created_at))
    sent = await api.add_delivery(DeliveryStatus.SENT, created_at=start + timedelta(minutes=30))
    await api.add_delivery(DeliveryStatus.SUPPRESSED, created_at=start + timedelta(minutes=31))

    listed, cursor, pages = [], None, 0
    while True:
        query = "status=failed&limit=3" + (f"&cursor={cursor}" if cursor else "")
        response = await api.client.get(f"/deliveries?{query}", headers=admin)
        assert response.status_code == 200, response.text
        body = response.json()
        listed += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break

    expected = sorted(failed, key=lambda d: (d.created_at, d.id), reverse=True)
    assert pages == 3
    assert [item["id"] for item in listed] == [str(d.id) for d in expected]
    assert all(set(item) == FIELDS for item in listed)
    newest = listed[0]
    assert newest["status"] == "failed"
    assert (newest["attempts"], newest["last_error"]) == (8, "error 6")
    assert newest["recipient"] == failed[6].recipient
    assert "secret-one-time-token" not in response.text
    everything = (await api.client.get("/deliveries?limit=100", headers=admin)).json()
    assert len(everything["items"]) == 10
    assert everything["items"][1]["id"] == str(sent.id)
    assert "secret-one-time-token" not in str(everything)


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("status=bounced", "query.status"),
        ("status=FAILED", "query.status"),
        ("limit=0", "query.limit"),
        ("limit=101", "query.limit"),
        ("cursor=garbage", "query.cursor"),
        # An inbox cursor is not one of the delivery log.
        ("cursor=WyJpbmJveCIsMTBd", "query.cursor"),
    ],
)
async def test_bad_log_parameters_are_named_in_a_422(api, query, path) -> None:
    _, admin = api.user(roles=["admin"])

    response = await api.client.get(f"/deliveries?{query}", headers=admin)

    body = api.problem(response, 422)
    assert [error["path"] for error in body["errors"]] == [path]


async def test_a_retried_delivery_is_queued_then_sent_once(start_api, smtp_server) -> None:
    api = await start_api(notifications=mailing_to(smtp_server))
    _, admin = api.user(roles=["admin"])
    delivery = await api.add_delivery(DeliveryStatus.FAILED, attempts=8, last_error="451 try later")

    response = await api.client.post(f"/deliveries/{delivery.id}/retry", headers=admin)

    assert response.status_code == 202, response.text
    body = response.json()
    assert set(body) == FIELDS
    assert (body["id"], body["status"], body["attempts"]) == (str(delivery.id), "queued", 0)
    assert datetime.fromisoformat(body["next_attempt_at"]) <= datetime.now(UTC)
    failed = (await api.client.get("/deliveries?status=failed", headers=admin)).json()
    assert failed["items"] == []

    async def sent() -> bool:
        return bool((await api.delivery_row(delivery.id))["status"] == "sent")

    await wait_until(sent, within=10)
    row = await api.delivery_row(delivery.id)
    assert (row["attempts"], row["last_error"]) == (1, None)
    (message,) = smtp_server.messages_to(delivery.recipient)
    assert "secret-one-time-token" not in response.text
    assert message.recipients == (delivery.recipient,)

    again = await api.client.post(f"/deliveries/{delivery.id}/retry", headers=admin)

    assert "sent" in api.problem(again, 409)["detail"]
    assert len(smtp_server.messages_to(delivery.recipient)) == 1


async def test_retrying_twice_at_once_queues_it_once(api) -> None:
    _, admin = api.user(roles=["admin"])
    delivery = await api.add_delivery(DeliveryStatus.FAILED)

    responses = await asyncio.gather(
        *(api.client.post(f"/deliveries/{delivery.id}/retry", headers=admin) for _ in range(2))
    )

    assert sorted(r.status_code for r in responses) == [202, 409]


@pytest.mark.parametrize("status", [DeliveryStatus.SENT, DeliveryStatus.SUPPRESSED, DeliveryStatus.QUEUED])
async def test_only_a_failed_delivery_can_be_retried(api, status) -> None:
    _, admin = api.user(roles=["admin"])
    delivery = await api.add_delivery(status)
    before = await api.delivery_row(delivery.id)

    response = await api.client.post(f"/deliveries/{delivery.id}/retry", headers=admin)

    assert status.value in api.problem(response, 409)["detail"]
    after = await api.delivery_row(delivery.id)
    assert (after["status"], after["attempts"]) == (before["status"], before["attempts"])


async def test_retrying_an_unknown_delivery_is_not_found(api) -> None:
    _, admin = api.user(roles=["admin"])

    api.problem(await api.client.post(f"/deliveries/{uuid.uuid4()}/retry", headers=admin), 404)
