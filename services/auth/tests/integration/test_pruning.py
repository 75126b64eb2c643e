"""Expired sessions (with their refresh tokens) and one-time tokens are deleted AUTH_EXPIRED_KEEP_DAYS
after they expired; younger ones stay, and a pruned refresh token is refused as it was before."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from switchyard.auth.adapters.orm import one_time_tokens, refresh_tokens, sessions
from switchyard.common.runtime.settings import PruningSettings

pytestmark = pytest.mark.integration


async def _session_of(auth, account_id: str) -> uuid.UUID:
    async with auth.db() as db:
        session_id: uuid.UUID = (
            await db.execute(select(sessions.c.id).where(sessions.c.account_id == uuid.UUID(account_id)))
        ).scalar_one()
    return session_id


async def _expire(auth, table, condition, *, ago: timedelta) -> None:
    async with auth.db.begin() as db:
        await db.execute(update(table).where(condition).values(expires_at=func.now() - ago))


async def _count(auth, table, condition) -> int:
    async with auth.db() as db:
        return int((await db.execute(select(func.count()).select_from(table).where(condition))).scalar_one())


async def test_expired_sessions_and_one_time_tokens_go_after_the_keep_days(start_auth, wait_until) -> None:
    auth = await start_auth(pruning=PruningSettings(prune_interval_s=0.2), expired_keep_days=7)
    gone, kept = await auth.register(), await auth.register()  # each gets an email verification token
    gone_tokens, kept_tokens = await auth.login(gone["username"]), await auth.login(kept["username"])
    gone_session, kept_session = await _session_of(auth, gone["id"]), await _session_of(auth, kept["id"])
    gone_account, kept_account = uuid.UUID(gone["id"]), uuid.UUID(kept["id"])
    await _expire(auth, sessions, sessions.c.id == gone_session, ago=timedelta(days=8))
    await _expire(auth, sessions, sessions.c.id == kept_session, ago=timedelta(days=6))
    await _expire(auth, one_time_tokens, one_time_tokens.c.account_id == gone_account, ago=timedelta(days=8))
    await _expire(auth, one_time_tokens, one_time_tokens.c.account_id == kept_account, ago=timedelta(days=6))

    async def pruned() -> bool:
        session = await _count(auth, sessions, sessions.c.id == gone_session)
        tokens = await _count(auth, one_time_tokens, one_time_tokens.c.account_id == gone_account)
        return session == tokens == 0

    await wait_until(pruned, within=15)
    assert await _count(auth, refresh_tokens, refresh_tokens.c.session_id == gone_session) == 0
    assert await _count(auth, sessions, sessions.c.id == kept_session) == 1
    assert await _count(auth, refresh_tokens, refresh_tokens.c.session_id == kept_session) == 1
    assert await _count(auth, one_time_tokens, one_time_tokens.c.account_id == kept_account) == 1
    for tokens in (gone_tokens, kept_tokens):  # expired either way: refused alike
        response = await auth.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "invalid_grant"
