"""How long events take to show, through the running local stack's gateway, against one Kafka hop.

    .venv/bin/python bench/event_latency.py [--samples 30] [--baseline-per-sample 3]
                                            [--pause 0.5] [--jitter 1.0]

Environment: the local stack of `make up` (gateway URL, bootstrap admin login and Maildir as the
end-to-end tests find them: SWITCHYARD_GATEWAY_URL, AUTH_BOOTSTRAP_ADMIN_*, SWITCHYARD_STACK_DIR), and
BENCH_KAFKA (bootstrap servers; default the stack's Kafka). Its SMTP sink must be the stack's own.

--samples times, one after the other, interleaved with the baselines so both see the same load, and
spaced by --pause plus a random share of --jitter seconds (idle consumers poll in one-second cycles,
bench/README.md says more, so a fixed spacing would keep meeting them at the same point):

- registration -> verification email: `POST /auth/register` answered, until the message is in the
  sink's Maildir (the file's ctime: when the sink linked it in, so the bench's polling adds nothing);
- registration -> profile: the same registration answered, until the bootstrap admin's
  `GET /users/{id}` answers 200 (polled every --poll-interval: the figure is high by up to that);
- inbox item over SSE: `POST /auth/password/change` answered (auth's password-changed event gives
  notifications' inbox item "Your password was changed"), until the `notification` event reaches a
  client of `GET /notifications/stream` held open through the gateway by the same account.

Baselines, --baseline-per-sample times per sample: a Kafka hop (an aiokafka producer with the
services' options, acks=all, idempotent, linger, sends to a fresh one-partition topic; the clock
stops when a consumer of that partition has the record) and `GET /health` answered by the gateway
itself. Every path above crosses Kafka at least once, so each percentile is printed against the
Kafka hop's same percentile; the targets of issues 4 and 5 (2 s email, 2 s profile, 1 s SSE) are
checked on p95 and max. The accounts made are deleted (by the admin) at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiokafka import TopicPartition

from switchyard.common.messaging import KafkaSettings, create_consumer, create_producer, ensure_topics
from switchyard.common.messaging.topics import delete_topics
from switchyard.common.testing.gateway import Gateway, resolve_gateway
from switchyard.common.testing.infrastructure import local_stack_dir, read_local_stack
from switchyard.common.testing.mail import MailSink

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for bench._support
from bench._support import PASSWORD

OTHER_PASSWORD = "copper lantern sways above misty canal"
GIVE_UP_S = 60.0
TARGETS = {
    "registration -> verification email": 2.0,
    "registration -> profile": 2.0,
    "inbox item over SSE": 1.0,
}


@dataclass
class Samples:
    name: str
    seconds: list[float] = field(default_factory=list)

    def at(self, percentile: int) -> float:
        ordered = sorted(self.seconds)
        if percentile == 100:
            return ordered[-1]
        return statistics.quantiles(ordered, n=100, method="inclusive")[percentile - 1]


class KafkaHop:
    """One record produced and consumed on a fresh topic; ``once()`` is the seconds it took."""

    def __init__(self, kafka: KafkaSettings, topic: str) -> None:
        self.partition = TopicPartition(topic, 0)
        self.producer = create_producer(kafka, client_id="bench-latency")
        self.consumer = create_consumer(kafka, enable_auto_commit=False)

    @classmethod
    @asynccontextmanager
    async def open(cls, bootstrap: str) -> AsyncIterator[KafkaHop]:
        kafka = KafkaSettings(bootstrap_servers=bootstrap)
        topic = f"bench{uuid.uuid4().hex[:10]}-latency"
        await ensure_topics(kafka, [topic], partitions=1)
        hop = cls(kafka, topic)
        try:
            await hop.producer.start()
            await hop.consumer.start()
            hop.consumer.assign([hop.partition])
            await hop.consumer.seek_to_end(hop.partition)
            await hop.once()  # connections and metadata, not counted
            yield hop
        finally:
            await hop.consumer.stop()
            await hop.producer.stop()
            await delete_topics(kafka, [topic])

    async def once(self) -> float:
        value = uuid.uuid4().bytes
        started = time.perf_counter()
        await self.producer.send(self.partition.topic, value, partition=0)
        while True:
            record = await asyncio.wait_for(self.consumer.getone(self.partition), GIVE_UP_S)
            if record.value == value:
                return time.perf_counter() - started


class Stack:
    """The gateway, the admin's bearer, the Maildir; the accounts the bench made, to delete at the end."""

    def __init__(self, http: httpx.AsyncClient, gateway: Gateway, sink: MailSink) -> None:
        self.http, self.gateway, self.sink = http, gateway, sink
        self.admin: dict[str, str] = {}
        self.made: list[str] = []

    async def call(self, method: str, path: str, **options: Any) -> httpx.Response:
        """A request through the gateway; a 429 of its rate limits is waited out."""
        while True:
            response = await self.http.request(method, self.gateway.api(path), **options)
            if response.status_code != 429:
                return response
            await asyncio.sleep(float(response.headers.get("retry-after", "1")))

    async def bearer(self, login: str, password: str) -> dict[str, str]:
        form = {"grant_type": "password", "username": login, "password": password}
        response = await self.call("POST", "/auth/token", data=form)
        response.raise_for_status()
        return {"authorization": f"Bearer {response.json()['access_token']}"}

    async def register(self) -> tuple[str, str, float, float]:
        """A new account: its id, address, and when its 201 came (time.time(), time.perf_counter())."""
        name = f"benchlat{uuid.uuid4().hex[:10]}"
        body = {"email": f"{name}@example.com", "username": name, "password": PASSWORD}
        response = await self.call("POST", "/auth/register", json=body)
        at, clock = time.time(), time.perf_counter()
        if response.status_code != 201:
            raise SystemExit(
                f"registration answered {response.status_code} (enumeration-safe?): {response.text}"
            )
        self.made.append(response.json()["id"])
        return self.made[-1], body["email"], at, clock

    async def health(self) -> float:
        started = time.perf_counter()
        (await self.http.get(f"{self.gateway.url}/health")).raise_for_status()
        return time.perf_counter() - started

    async def email_after(self, address: str, registered_at: float, interval: float) -> float:
        async with asyncio.timeout(GIVE_UP_S):
            # Polling on purpose: the Maildir is written by another process.
            while not (received := self.sink.received(address)):  # noqa: ASYNC110
                await asyncio.sleep(interval)
        return received[0].stored_at - registered_at

    async def profile_after(self, user_id: str, registered: float, interval: float) -> float:
        async with asyncio.timeout(GIVE_UP_S):
            while True:
                response = await self.call("GET", f"/users/{user_id}", headers=self.admin)
                if response.status_code == 200:
                    return time.perf_counter() - registered
                if response.status_code == 401:  # the admin's token expired (15 min)
                    self.admin = await self.bearer(self.gateway.admin_email, self.gateway.admin_password)
                elif response.status_code != 404:
                    raise SystemExit(f"GET /users/{{id}} answered {response.status_code}: {response.text}")
                await asyncio.sleep(interval)

    async def delete_made(self) -> None:
        self.admin = await self.bearer(self.gateway.admin_email, self.gateway.admin_password)
        for user_id in self.made:
            await self.call("DELETE", f"/users/{user_id}", headers=self.admin)


class InboxStream:
    """An account with ``GET /notifications/stream`` open; ``once()`` changes its password, times the item."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.arrivals: asyncio.Queue[float] = asyncio.Queue()
        self.passwords = (PASSWORD, OTHER_PASSWORD)

    @asynccontextmanager
    async def open(self) -> AsyncIterator[InboxStream]:
        _, address, _, _ = await self.stack.register()
        self.bearer = await self.stack.bearer(address, PASSWORD)
        url = self.stack.gateway.api("/notifications/stream")
        async with self.stack.http.stream("GET", url, headers=self.bearer) as response:
            response.raise_for_status()
            reader = asyncio.create_task(self._read(response))
            try:
                yield self
            finally:
                reader.cancel()
                await asyncio.gather(reader, return_exceptions=True)

    async def _read(self, response: httpx.Response) -> None:
        async for line in response.aiter_lines():
            if line == "event: notification":
                self.arrivals.put_nowait(time.perf_counter())

    async def once(self) -> float:
        while not self.arrivals.empty():
            self.arrivals.get_nowait()  # an earlier sample's, come after its give-up
        current, new = self.passwords
        body = {"current_password": current, "new_password": new}
        response = await self.stack.call("POST", "/auth/password/change", json=body, headers=self.bearer)
        changed = time.perf_counter()
        if response.status_code != 204:
            raise SystemExit(f"password change answered {response.status_code}: {response.text}")
        self.passwords = (new, current)
        return await asyncio.wait_for(self.arrivals.get(), GIVE_UP_S) - changed


async def run(args: argparse.Namespace) -> list[Samples]:
    gateway = resolve_gateway()
    kafka = os.environ.get("BENCH_KAFKA") or read_local_stack(local_stack_dir()).kafka_bootstrap
    hop, health = Samples("Kafka hop (produce -> consume)"), Samples("gateway GET /health")
    email, profile, sse = (Samples(name) for name in TARGETS)
    async with AsyncExitStack() as exits:
        http = await exits.enter_async_context(httpx.AsyncClient(timeout=httpx.Timeout(30.0)))
        stack = Stack(http, gateway, MailSink(local_stack_dir() / "mail"))
        exits.push_async_callback(stack.delete_made)
        kafka_hop = await exits.enter_async_context(KafkaHop.open(kafka))
        stream = await exits.enter_async_context(InboxStream(stack).open())
        stack.admin = await stack.bearer(gateway.admin_email, gateway.admin_password)
        await stack.health()
        for sample in range(args.samples):
            for _ in range(args.baseline_per_sample):
                hop.seconds.append(await kafka_hop.once())
                health.seconds.append(await stack.health())
            user_id, address, at, clock = await stack.register()
            times = await asyncio.gather(
                stack.email_after(address, at, args.mail_interval),
                stack.profile_after(user_id, clock, args.poll_interval),
            )
            email.seconds.append(times[0])
            profile.seconds.append(times[1])
            await _pause(args)
            sse.seconds.append(await stream.once())
            print(f"  sample {sample + 1}: {times[0]:.3f}, {times[1]:.3f}, {sse.seconds[-1]:.3f} s")
            await _pause(args)
    return [hop, health, email, profile, sse]


async def _pause(args: argparse.Namespace) -> None:
    """A random pause: idle consumers poll in cycles (see the README), so events must come at any moment."""
    await asyncio.sleep(args.pause + random.uniform(0.0, args.jitter))


def report(results: list[Samples]) -> None:
    hop, health, *paths = results
    print(f"\n{'':38}{'p50':>10}{'p95':>10}{'max':>10}   n")
    for baseline in (hop, health):
        cells = "".join(f"{baseline.at(p) * 1e3:8.1f}ms" for p in (50, 95, 100))
        print(f"{baseline.name:38}{cells}   {len(baseline.seconds)}")
    print(f"\n{'':38}{'p50':>18}{'p95':>18}{'max':>18}   target (p95, max)")
    for path in paths:
        cells = "".join(f"{path.at(p):7.3f}s ={path.at(p) / hop.at(p):6.0f}x" for p in (50, 95, 100))
        target = TARGETS[path.name]
        verdicts = ["met" if path.at(p) <= target else "NOT MET" for p in (95, 100)]
        print(f"{path.name:38}{cells}   {target:.0f} s: {', '.join(verdicts)}")
    print(f"\nx = the path's percentile / the Kafka hop's same percentile; load average {os.getloadavg()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--baseline-per-sample", type=int, default=3)
    parser.add_argument("--poll-interval", type=float, default=0.01, help="seconds between profile reads")
    parser.add_argument("--mail-interval", type=float, default=0.25, help="seconds between Maildir reads")
    parser.add_argument(
        "--pause", type=float, default=0.5, help="least seconds between one path and the next"
    )
    parser.add_argument("--jitter", type=float, default=1.0, help="random seconds added to each pause")
    args = parser.parse_args()
    print(f"load average at the start {os.getloadavg()}; {args.samples} samples")
    print("  sample: email, profile, SSE")
    report(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
