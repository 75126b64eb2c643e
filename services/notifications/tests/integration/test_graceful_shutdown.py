"""SIGTERM to ``python -m switchyard.notifications`` while people change their preferences and
verification requests stream in: no request fails, no event is lost or applied twice, and every
requested email reaches the SMTP server exactly once.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import msgspec
import pytest
from sqlalchemy import func, select

from switchyard.common.contracts import EmailVerificationRequested
from switchyard.common.runtime.settings import JwtSettings, ShutdownSettings
from switchyard.common.testing import DatabaseFactory, JwksServer, start_service_process
from switchyard.common.testing.shutdown import Load, ShutdownDrill, drill_settings
from switchyard.common.testing.smtp import SmtpTestServer
from switchyard.notifications.adapters.orm import deliveries

pytestmark = pytest.mark.integration


def _verification(n: int, run: str) -> EmailVerificationRequested:
    name = f"v{run}n{n}"
    return EmailVerificationRequested(
        account_id=uuid.uuid4(),
        email=f"{name}@example.com",
        username=name,
        token=uuid.uuid4().hex,
        expires_at=datetime.now(UTC) + timedelta(days=2),
        resent=False,
    )


async def test_sigterm_under_load_fails_no_request_and_sends_every_email_once(
    make_service_settings,
    make_database: DatabaseFactory,
    jwks_server: JwksServer,
    smtp_server: SmtpTestServer,
    tmp_path: Path,
) -> None:
    settings = drill_settings(
        msgspec.structs.replace(await make_service_settings(), jwt=JwtSettings(jwks_url=jwks_server.url))
    )
    run = uuid.uuid4().hex[:8]
    callers = [uuid.uuid4() for _ in range(3)]
    sessions = make_database.sessions(settings.database.url)

    async def choose(client: httpx.AsyncClient, n: int) -> None:
        opted_out = ["imports"] if n % 2 else []
        bearer = jwks_server.bearer(callers[n % len(callers)])
        await client.put("/preferences", json={"opted_out": opted_out}, headers=bearer)

    def choose_slowly(client: httpx.AsyncClient) -> httpx.Request:
        body = {"opted_out": ["imports"]}
        return client.build_request("PUT", "/preferences", json=body, headers=jwks_server.bearer(callers[0]))

    async def all_sent() -> bool:
        async with sessions() as session:
            unsent = select(func.count()).select_from(deliveries).where(deliveries.c.status != "sent")
            return (await session.execute(unsent)).scalar_one() == 0

    load = Load(
        act=choose,
        slow=choose_slowly,
        event=lambda n: _verification(n, run),
        consumer="notifications.on_email_verification_requested",
        settled=all_sent,
    )
    # A delivery claimed by a sender that died unfinished would be sent again after the claim.
    env = {"SMTP_HOST": smtp_server.host, "SMTP_PORT": str(smtp_server.port), "NOTIFICATIONS_CLAIM_S": "5"}
    drill = ShutdownDrill("notifications", settings, sessions=sessions, logs=tmp_path, env=env)

    outcome = await drill.run(load)

    assert outcome.problems() == [], outcome.log_tail()
    sent = Counter(recipient for message in smtp_server.messages for recipient in message.recipients)
    expected = {f"v{run}n{n}@example.com" for n in range(len(outcome.published))}
    assert set(sent) == expected
    assert [recipient for recipient, times in sent.items() if times > 1] == []


async def test_an_open_inbox_stream_ends_when_the_drain_begins_not_when_the_http_wait_runs_out(
    make_service_settings,
    jwks_server: JwksServer,
    smtp_server: SmtpTestServer,
    tmp_path: Path,
) -> None:
    # A drain long enough to look at the process while it still serves: without the stream ending
    # on its own, uvicorn would wait for it past the drain (up to SHUTDOWN_HTTP_TIMEOUT_S) and then
    # cut it, and readiness would no longer answer by the time the stream closed.
    settings = msgspec.structs.replace(
        await make_service_settings(),
        jwt=JwtSettings(jwks_url=jwks_server.url),
        shutdown=ShutdownSettings(drain_s=5.0, http_timeout_s=10, work_timeout_s=5.0),
    )
    env = {"SMTP_HOST": smtp_server.host, "SMTP_PORT": str(smtp_server.port)}
    service = await start_service_process("notifications", settings, log=tmp_path / "n.log", extra_env=env)
    try:
        async with httpx.AsyncClient(base_url=service.base_url, timeout=30) as client:
            bearer = jwks_server.bearer(uuid.uuid4())
            async with client.stream("GET", "/stream", headers=bearer) as stream:
                assert stream.status_code == 200
                lines = stream.aiter_lines()
                assert (await anext(lines)).startswith(":")  # the first comment: subscribed
                service.process.send_signal(signal.SIGTERM)
                async for _line in lines:  # heartbeats, until the server ends the stream
                    pass
            ready = await client.get("/health/ready")
            assert ready.status_code == 503
            assert ready.json()["detail"] == "shutting down"
        assert await asyncio.wait_for(service.process.wait(), timeout=60) == 0
    finally:
        if service.process.returncode is None:
            service.process.kill()
            await service.process.wait()
    log = (tmp_path / "n.log").read_text()
    assert "shutdown: draining" in log
    assert "Cancel" not in log, log[-3000:]
