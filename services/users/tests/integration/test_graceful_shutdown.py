"""SIGTERM to ``python -m switchyard.users`` while callers change their profiles and registrations
stream in: no request fails, no event is lost or applied twice, every outbox event reaches Kafka once.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import msgspec
import pytest
from sqlalchemy import func, select

from switchyard.common.contracts import AccountRegistered
from switchyard.common.runtime.settings import JwtSettings
from switchyard.common.testing import DatabaseFactory, JwksServer
from switchyard.common.testing.shutdown import Load, ShutdownDrill, drill_settings
from switchyard.users.adapters.orm import profiles

pytestmark = pytest.mark.integration


def _registered(account_id: uuid.UUID) -> AccountRegistered:
    name = f"u{account_id.hex[:12]}"
    return AccountRegistered(
        account_id=account_id,
        email=f"{name}@example.com",
        username=name,
        full_name="Ada Lovelace",
        email_verified=True,
        invited=False,
    )


async def test_sigterm_under_load_fails_no_request_and_loses_or_doubles_no_event(
    make_service_settings, make_database: DatabaseFactory, jwks_server: JwksServer, tmp_path: Path
) -> None:
    settings = drill_settings(
        msgspec.structs.replace(await make_service_settings(), jwt=JwtSettings(jwks_url=jwks_server.url))
    )
    callers = [uuid.uuid4() for _ in range(3)]

    async def rename(client: httpx.AsyncClient, n: int) -> None:
        bearer = jwks_server.bearer(callers[n % len(callers)])
        await client.patch("/me", json={"full_name": f"Ada {n}"}, headers=bearer)

    def rename_slowly(client: httpx.AsyncClient) -> httpx.Request:
        return client.build_request(
            "PATCH", "/me", json={"full_name": "Ada Slow"}, headers=jwks_server.bearer(callers[0])
        )

    load = Load(
        act=rename,
        slow=rename_slowly,
        event=lambda _n: _registered(uuid.uuid4()),
        consumer="users.on_account_registered",
        first_events=[_registered(caller) for caller in callers],
    )
    sessions = make_database.sessions(settings.database.url)
    drill = ShutdownDrill("users", settings, sessions=sessions, logs=tmp_path)

    outcome = await drill.run(load)

    assert outcome.problems() == [], outcome.log_tail()
    async with sessions() as session:
        ids = list((await session.execute(select(profiles.c.id))).scalars())
        count = (await session.execute(select(func.count()).select_from(profiles))).scalar_one()
    assert count == len(set(ids)) == len(outcome.published)
