"""``GET /stream``: new inbox items as Server-Sent Events over a real HTTP connection.

Items are announced as the consumers do it (stored, committed, then published on Redis by a feed
of another connection, as another replica would), so fan-out goes through Redis pub/sub.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

import httpx
import pytest

from switchyard.common.testing import wait_until

pytestmark = pytest.mark.integration


def assert_is_event_of(frame, item) -> None:
    assert frame.event == "notification"
    assert frame.id == str(item.seq)
    data = frame.json()
    assert data == {
        "id": str(item.id),
        "seq": item.seq,
        "category": item.category.value,
        "title": item.title,
        "body": item.body,
        "link": item.link,
        "created_at": data["created_at"],
        "read_at": None,
    }


async def test_a_new_item_reaches_the_stream(api) -> None:
    # How fast (the 1 s) is measured by bench/event_latency.py through the running stack's gateway.
    user_id, headers = api.user()
    async with api.stream(headers) as events:
        item = await api.notify(user_id, "New sign-in")

        frame = await events.next_event()

        assert_is_event_of(frame, item)


async def test_every_stream_of_the_user_gets_the_item_and_nobody_elses_does(api) -> None:
    user_id, headers = api.user()
    other_id, other_headers = api.user()
    async with (
        api.stream(headers) as first,
        api.stream(api.bearer(user_id)) as second,
        api.stream(other_headers) as bystander,
    ):
        # One pub/sub connection per replica, however many streams it serves.
        assert await api.subscribers(user_id) == 1
        item = await api.notify(user_id, "Password changed")

        received = await asyncio.gather(first.next_event(), second.next_event())

        for frame in received:
            assert_is_event_of(frame, item)
        assert await bystander.events_until_quiet() == []
        assert await first.events_until_quiet() == []
    await wait_until(lambda: _no_subscribers(api, user_id, other_id), within=5)


async def _no_subscribers(api, *user_ids: uuid.UUID) -> bool:
    return all([await api.subscribers(user_id) == 0 for user_id in user_ids])


async def test_items_follow_each_other_in_order(api) -> None:
    user_id, headers = api.user()
    async with api.stream(headers) as events:
        items = [await api.notify(user_id, f"Item {n}") for n in range(5)]

        frames = [await events.next_event() for _ in items]

    assert [frame.id for frame in frames] == [str(item.seq) for item in items]


async def test_resuming_sends_the_missed_items_once_then_the_live_ones(api) -> None:
    user_id, headers = api.user()
    seen, *missed = await api.add_items(user_id, 4)
    await api.add_items(uuid.uuid4(), 2)  # someone else's, in between

    async with api.stream(headers, last_event_id=seen.seq) as events:
        replayed = [await events.next_event() for _ in missed]
        # The last missed item published again (as if committed while the stream was subscribing):
        # the stream sent it from the database already, so it does not repeat it.
        await api.feed.publish(missed[-1])
        live = await api.notify(user_id, "After the resume")
        rest = await events.events_until_quiet()

    assert [frame.id for frame in replayed] == [str(item.seq) for item in missed]
    for frame, item in zip(replayed, missed, strict=True):
        assert frame.json()["id"] == str(item.id)
    assert [frame.id for frame in rest] == [str(live.seq)]


async def test_an_item_committed_late_comes_without_moving_the_resume_point_back(api) -> None:
    user_id, headers = api.user()
    # Two transactions: the one with the lower seq commits (and publishes) after the other.
    late, early = await api.add_items(user_id, 2)

    async with api.stream(headers) as events:
        await api.feed.publish(early)
        await api.feed.publish(late)
        first, second = await events.next_event(), await events.next_event()

    assert (first.json()["seq"], second.json()["seq"]) == (early.seq, late.seq)
    # A client resuming sends the highest seq it has seen, so neither comes again.
    assert (first.id, second.id) == (str(early.seq), str(early.seq))


async def test_resuming_from_the_latest_id_sends_nothing_old(api) -> None:
    user_id, headers = api.user()
    items = await api.add_items(user_id, 3)

    async with api.stream(headers, last_event_id=items[-1].seq) as events:
        assert await events.events_until_quiet() == []


async def test_without_last_event_id_only_new_items_come(api) -> None:
    user_id, headers = api.user()
    await api.add_items(user_id, 3)

    async with api.stream(headers) as events:
        assert await events.events_until_quiet() == []


async def test_a_resume_longer_than_one_database_page_sends_everything_in_order(api) -> None:
    user_id, headers = api.user()
    items = await api.add_items(user_id, 230)

    async with api.stream(headers, last_event_id=0) as events:
        frames = [await events.next_event() for _ in items]
        assert await events.events_until_quiet() == []

    assert [frame.id for frame in frames] == [str(item.seq) for item in items]


async def test_heartbeats_keep_an_idle_stream_alive(api) -> None:
    _, headers = api.user()
    async with api.stream(headers) as events:
        beats = [await events.next(within=1.0) for _ in range(3)]

    assert [frame.comments if frame else None for frame in beats] == [["heartbeat"]] * 3


async def test_the_stream_ends_when_the_access_token_expires(api) -> None:
    user_id, _ = api.user()
    headers = api.bearer(user_id, exp=int(time.time()) + 2)

    async with api.stream(headers) as events:
        assert await events.ended(within=6.0)


async def test_the_stream_ends_when_redis_drops_and_a_resume_recovers_what_was_missed(api) -> None:
    user_id, headers = api.user()
    async with api.stream(headers) as events:
        before = await api.notify(user_id, "Before the outage")
        assert_is_event_of(await events.next_event(), before)
        await api.drop_feed_connection()

        assert await events.ended(within=5.0)

    missed = await api.add_items(user_id, 2)
    async with api.stream(headers, last_event_id=before.seq) as resumed:
        frames = [await resumed.next_event() for _ in missed]
        after = await api.notify(user_id, "After the outage")
        frames.append(await resumed.next_event())

    assert [frame.id for frame in frames] == [str(item.seq) for item in [*missed, after]]


async def test_clients_leaving_at_any_moment_leave_no_subscription_behind(api) -> None:
    user_id, headers = api.user()

    async def hang_up_after(delay: float) -> None:
        async with httpx.AsyncClient(base_url=api.base_url) as client:
            with contextlib.suppress(TimeoutError):
                async with (
                    asyncio.timeout(delay),
                    client.stream("GET", "/stream", headers=headers) as response,
                ):
                    async for _ in response.aiter_bytes():
                        pass

    await asyncio.gather(*(hang_up_after(0.002 * n) for n in range(25)))

    await wait_until(lambda: _no_subscribers(api, user_id), within=5)
    async with api.stream(headers) as events:
        item = await api.notify(user_id, "Still live")
        assert_is_event_of(await events.next_event(), item)


@pytest.mark.parametrize("last_event_id", ["abc", "-1", "1.5"])
async def test_a_malformed_last_event_id_is_a_422(api, last_event_id) -> None:
    _, headers = api.user()

    response = await api.client.get("/stream", headers={**headers, "Last-Event-ID": last_event_id})

    body = api.problem(response, 422)
    assert [error["path"] for error in body["errors"]] == ["header.last_event_id"]
