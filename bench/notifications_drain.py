"""Draining queued notification emails through DeliverySender, next to a raw aiosmtplib send loop.

    .venv/bin/python bench/notifications_drain.py [--count 10000] [--connections 4] [--batch-size 100]

Environment: BENCH_DATABASE_URL (a superuser URL of a PostgreSQL server where the bench may create
and drop a `sy_bench_<hex>` database; default the running local stack's). The SMTP server is the
bench's own: aiosmtpd in a process of its own on a free loopback port (bench/_smtp_sink.py), which
accepts everything and counts messages and distinct Message-IDs; the local stack's mail sink is
left alone.

--count `verify-email` deliveries (a link with a fresh token, expires_at as an ISO string, as
notifications' subscriber stores them; every fourth in French) are inserted as queued into a
throwaway notifications database migrated to head. Then, in one run against the same server:

(a) raw: the same emails, rendered and built beforehand with the service's own renderer and
    message builder, sent one after the other by aiosmtplib over ONE connection (connect included).
(b) sender: a DeliverySender built as notifications' bootstrap builds it (default settings but the
    SMTP address, --connections and --batch-size; a dead letter that only counts) works the queue
    off until every delivery is sent: claim a batch, render, send concurrently over the pool of
    connections, record each as sent.

Printed: emails/s of both and the sender/raw ratio, what the sender used, the CPU the bench process
and the SMTP server spent per 1,000 emails (PostgreSQL not counted), and, for scale, how fast
rendering alone goes.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchyard.common.db import DatabaseSettings, create_engine, create_session_factory
from switchyard.common.testing import DatabaseFactory, free_port
from switchyard.notifications.adapters.orm import deliveries
from switchyard.notifications.adapters.smtp import SmtpSender
from switchyard.notifications.adapters.templates import TemplateRenderer
from switchyard.notifications.bootstrap import SERVICE_ROOT
from switchyard.notifications.domain.messages import Links
from switchyard.notifications.domain.model import Delivery, DeliveryStatus, now
from switchyard.notifications.service_layer.sending import DeliverySender, render_context
from switchyard.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from switchyard.notifications.settings import NotificationsSettings, SendingSettings, SmtpSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for bench._support
from bench._support import database_server, process_cpu_seconds

SINK = Path(__file__).with_name("_smtp_sink.py")
HOST = "127.0.0.1"
TEMPLATE = "verify-email"


@dataclass(frozen=True)
class Phase:
    emails: int
    seconds: float
    received: int  # messages the SMTP server took during the phase
    distinct: int  # of which distinct Message-IDs
    cpu: dict[str, float]  # CPU seconds during the phase, by process

    @property
    def rate(self) -> float:
        return self.emails / self.seconds


class Sink:
    """bench/_smtp_sink.py running; ``counts()`` asks what it received since the previous call."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process, self.port = process, port

    async def counts(self) -> tuple[int, int]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(b"count\n")
        await self.process.stdin.drain()
        messages, distinct = (await self.process.stdout.readline()).split()
        return int(messages), int(distinct)


@asynccontextmanager
async def _sink(log: Path) -> AsyncIterator[Sink]:
    port = free_port()
    with log.open("wb") as errors:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(SINK), str(port), stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=errors,
        )  # fmt: skip
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        ready = await asyncio.wait_for(process.stdout.readline(), timeout=30.0)
        if ready.strip() != b"ready":
            raise RuntimeError(f"the SMTP sink did not start:\n{await asyncio.to_thread(log.read_text)}")
        yield Sink(process, port)
    finally:
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), timeout=10.0)
        except TimeoutError:
            process.kill()
            await process.wait()


def _rows(count: int, links: Links) -> list[dict[str, Any]]:
    """Queued deliveries as the verification subscriber stores them (context JSON, moments as ISO)."""
    moment = now()
    expires_at = (moment + timedelta(hours=24)).isoformat()
    return [
        {
            "id": uuid.uuid4(),
            "user_id": uuid.uuid4(),
            "recipient": f"bench{n}@example.com",
            "template": TEMPLATE,
            "source_event_id": uuid.uuid4(),
            "status": DeliveryStatus.QUEUED.value,
            "category": "account",
            "locale": "fr" if n % 4 == 3 else None,
            "context": {
                "link": links.verify_email(secrets.token_urlsafe(32)),
                "expires_at": expires_at,
                "recipient_name": None,
            },
            "next_attempt_at": moment,
        }
        for n in range(count)
    ]


def _prerender(
    rows: list[dict[str, Any]], renderer: TemplateRenderer, smtp: SmtpSender, sending: SendingSettings
) -> list[EmailMessage]:
    """The messages DeliverySender would send for ``rows``, built the way it builds them."""
    messages = []
    for row in rows:
        email = renderer.render(row["template"], row["locale"], render_context(row["context"], sending))
        messages.append(
            smtp.message(
                to=row["recipient"], subject=email.subject, text=email.text, html=email.html,
                message_id=row["id"].hex,
            )
        )  # fmt: skip
    return messages


async def _measured(sink: Sink, emails: int, work: Callable[[], Awaitable[float]]) -> Phase:
    """Run ``work`` (it returns the seconds it measured) and record what the server took and the CPU."""
    pids = {"bench": [os.getpid()], "smtp server": [sink.process.pid]}
    await sink.counts()  # from zero
    cpu = {name: process_cpu_seconds(group) for name, group in pids.items()}
    seconds = await work()
    cpu = {name: process_cpu_seconds(group) - cpu[name] for name, group in pids.items()}
    received, distinct = await sink.counts()
    return Phase(emails, seconds, received, distinct, cpu)


async def _raw(messages: list[EmailMessage], port: int) -> float:
    client = aiosmtplib.SMTP(hostname=HOST, port=port, timeout=30.0)
    started = time.perf_counter()
    await client.connect()
    for message in messages:
        await client.send_message(message)
    seconds = time.perf_counter() - started
    await client.quit()
    return seconds


async def _raw_phase(
    rows: list[dict[str, Any]], renderer: TemplateRenderer, settings: NotificationsSettings, sink: Sink
) -> Phase:
    messages = _prerender(rows, renderer, SmtpSender(settings.smtp), settings.sending)
    # Out of the collector's sight: thousands of live messages would slow every collection down.
    gc.collect()
    gc.freeze()
    try:
        return await _measured(sink, len(messages), lambda: _raw(messages, sink.port))
    finally:
        gc.unfreeze()


def _render_rate(
    rows: list[dict[str, Any]], renderer: TemplateRenderer, settings: NotificationsSettings
) -> float:
    """Emails/s rendered and built one at a time, each dropped at once as the sender does."""
    sample, smtp = rows[:2000], SmtpSender(settings.smtp)
    started = time.perf_counter()
    for row in sample:
        _prerender([row], renderer, smtp, settings.sending)
    return len(sample) / (time.perf_counter() - started)


async def _queued(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        query = select(func.count()).where(deliveries.c.status == DeliveryStatus.QUEUED.value)
        return int((await session.execute(query)).scalar_one())


async def _drain(sender: DeliverySender, sessions: async_sessionmaker[AsyncSession]) -> tuple[float, int]:
    """Seconds until every delivery is sent (as ``DeliverySender.run`` works, minus its stop event)."""
    rounds = 0
    started = time.perf_counter()
    while True:
        claimed = await sender.send_due()
        rounds += 1
        if claimed == 0:
            if await _queued(sessions) == 0:
                break
            await asyncio.sleep(sender.settings.sending.idle_poll_s)  # retries not due yet
    return time.perf_counter() - started, rounds


async def _statuses(sessions: async_sessionmaker[AsyncSession]) -> dict[str, tuple[int, int]]:
    """status -> (deliveries, attempts)."""
    query = select(deliveries.c.status, func.count(), func.sum(deliveries.c.attempts)).group_by(
        deliveries.c.status
    )
    async with sessions() as session:
        return {status: (int(n), int(a)) for status, n, a in (await session.execute(query)).all()}


@dataclass(frozen=True)
class Results:
    render_rate: float  # emails/s
    raw: Phase
    sender: Phase
    rounds: int
    statuses: dict[str, tuple[int, int]]
    dead_letters: int


async def _run(args: argparse.Namespace, logs: Path) -> Results:
    databases = DatabaseFactory(database_server(), prefix="sy_bench")
    try:
        url = await databases.create(migrations=SERVICE_ROOT)
        engine = create_engine(DatabaseSettings(url=url))  # the services' default pool
        sessions = create_session_factory(engine)
        try:
            async with _sink(logs / "smtp.log") as sink:
                return await _phases(args, sink, sessions)
        finally:
            await engine.dispose()
    finally:
        await databases.close()


async def _phases(
    args: argparse.Namespace, sink: Sink, sessions: async_sessionmaker[AsyncSession]
) -> Results:
    settings = NotificationsSettings(
        smtp=SmtpSettings(host=HOST, port=sink.port, connections=args.connections),
        sending=SendingSettings(batch_size=args.batch_size),
    )
    renderer = TemplateRenderer(default_locale=settings.sending.default_locale)
    rows = _rows(args.count, Links(settings.sending.public_url))
    async with sessions() as session:
        await session.execute(insert(deliveries), rows)
        await session.commit()

    raw = await _raw_phase(rows, renderer, settings, sink)

    dead_letters: list[Delivery] = []

    async def dead_letter(delivery: Delivery, _error: str) -> None:
        dead_letters.append(delivery)

    sender = DeliverySender(
        settings=settings,
        uow=lambda: NotificationsUnitOfWork(sessions),
        smtp=SmtpSender(settings.smtp),
        renderer=renderer,
        dead_letter=dead_letter,
    )
    rounds = 0

    async def drain() -> float:
        nonlocal rounds
        seconds, rounds = await _drain(sender, sessions)
        return seconds

    try:
        measured = await _measured(sink, args.count, drain)
    finally:
        await sender.smtp.close()
    render_rate = _render_rate(rows, renderer, settings)
    return Results(render_rate, raw, measured, rounds, await _statuses(sessions), len(dead_letters))


def _cpu(phase: Phase) -> str:
    return ", ".join(f"{who} {s * 1000 / phase.emails:.2f} s" for who, s in phase.cpu.items())


def _line(name: str, phase: Phase) -> str:
    return (
        f"{name:<44} {phase.rate:>8,.0f} emails/s  ({phase.emails:,} in {phase.seconds:.2f} s; "
        f"the server took {phase.received:,}, {phase.distinct:,} distinct Message-IDs)"
    )


def _report(args: argparse.Namespace, results: Results) -> None:
    raw, sender = results.raw, results.sender
    print(
        f"{args.count:,} queued {TEMPLATE} deliveries; aiosmtpd in its own process on {HOST}; "
        f"{os.cpu_count()} CPUs shared by everything"
    )
    print(_line("raw aiosmtplib loop, 1 connection", raw))
    plural = "s" if args.connections != 1 else ""
    sender_name = f"DeliverySender, {args.connections} connection{plural}, batch {args.batch_size}"
    print(_line(sender_name, sender))
    print(f"sender/raw: {sender.rate:,.0f} / {raw.rate:,.0f} = {sender.rate / raw.rate:.2f}")
    statuses = ", ".join(f"{status} {n:,} ({a:,} attempts)" for status, (n, a) in results.statuses.items())
    print(
        f"sender: {results.rounds} rounds of send_due; deliveries {statuses}; "
        f"dead letters {results.dead_letters}"
    )
    print(f"CPU per 1,000 emails: raw: {_cpu(raw)}; sender: {_cpu(sender)} (PostgreSQL not counted)")
    print(
        f"for scale: rendering and building messages alone (no SMTP, no database) "
        f"{results.render_rate:,.0f} emails/s"
    )


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="notifications-drain-bench-") as logs:
        results = await _run(args, Path(logs))
    _report(args, results)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="queued deliveries to drain")
    parser.add_argument(
        "--connections", type=int, default=SmtpSettings().connections, help="the sender's SMTP connections"
    )
    parser.add_argument(
        "--batch-size", type=int, default=SendingSettings().batch_size, help="deliveries claimed per round"
    )
    asyncio.run(main(parser.parse_args()))
