"""Auth following what the users service decided (role, deactivation, erasure), on a fake unit of work."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from switchyard.auth.domain.commands import ChangeRole, DeactivateAccount, EraseAccount, ReactivateAccount
from switchyard.auth.domain.model import Account, utcnow
from switchyard.auth.service_layer.account_sync import (
    change_role,
    deactivate_account,
    erase_account,
    reactivate_account,
)
from switchyard.common.messaging import PermanentError

# When the users service decided, as its events' envelopes say.
EARLIER = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
LATER = EARLIER + timedelta(seconds=5)


async def _account(uow, *, role: str = "user", is_active: bool = True) -> Account:
    account = Account(
        id=uuid.uuid4(),
        email=f"{uuid.uuid4().hex[:8]}@example.com",
        username=uuid.uuid4().hex[:12],
        password_hash="$argon2id$stored",
        role=role,
        is_active=is_active,
    )
    assert await uow.accounts.add(account)
    return account


async def test_change_role_stores_the_new_role_and_refuses_the_tokens_issued_before(uow, denylist):
    account = await _account(uow)
    before = utcnow()

    await change_role(ChangeRole(account_id=account.id, role="moderator"), uow, denylist)

    assert uow.accounts.rows[account.id].role == "moderator"
    assert uow.accounts.rows[account.id].roles == ["moderator"]
    assert list(denylist.not_before) == [account.id]
    assert before <= denylist.not_before[account.id] <= utcnow()
    assert denylist.sessions == [], "sessions live on: their next refresh carries the new role"


async def test_change_role_to_the_same_role_writes_nothing(uow, denylist):
    account = await _account(uow, role="admin")

    await change_role(ChangeRole(account_id=account.id, role="admin"), uow, denylist)

    assert uow.accounts.saves == 0
    assert uow.accounts.rows[account.id].role == "admin"
    assert denylist.not_before == {}, "tokens already carry this role"


async def test_change_role_to_an_unknown_role_is_permanent_and_changes_nothing(uow, denylist):
    account = await _account(uow)

    with pytest.raises(PermanentError, match="superuser"):
        await change_role(ChangeRole(account_id=account.id, role="superuser"), uow, denylist)

    assert uow.accounts.rows[account.id].role == "user"
    assert uow.accounts.saves == 0
    assert denylist.not_before == {}


async def test_change_role_of_an_unknown_account_is_a_no_op(uow, denylist):
    await change_role(ChangeRole(account_id=uuid.uuid4(), role="admin"), uow, denylist)

    assert uow.accounts.rows == {}
    assert uow.events == []
    assert denylist.not_before == {}


async def test_deactivate_disables_the_account_and_denies_its_live_sessions(uow, denylist):
    account, other = await _account(uow), await _account(uow)
    live = [uow.sessions.open(account.id) for _ in range(2)]
    ended = uow.sessions.open(account.id, revoked=True)
    others = uow.sessions.open(other.id)

    await deactivate_account(DeactivateAccount(account_id=account.id, occurred_at=EARLIER), uow, denylist)

    assert sorted(denylist.sessions) == sorted(s.id for s in live)
    assert uow.accounts.rows[account.id].is_active is False
    assert uow.accounts.rows[account.id].status_changed_at == EARLIER
    assert {s.revoked_reason for s in live} == {"account-deactivated"}
    assert ended.revoked_reason == "logout", "an ended session keeps the reason it ended for"
    assert others.revoked_at is None
    assert uow.accounts.rows[other.id].is_active is True


async def test_deactivate_an_unknown_account_denies_nothing(uow, denylist):
    await deactivate_account(DeactivateAccount(account_id=uuid.uuid4(), occurred_at=EARLIER), uow, denylist)

    assert uow.accounts.rows == {}
    assert denylist.sessions == []


async def test_reactivate_enables_a_deactivated_account(uow):
    account = await _account(uow, is_active=False)

    await reactivate_account(ReactivateAccount(account_id=account.id, occurred_at=EARLIER), uow)

    assert uow.accounts.rows[account.id].is_active is True
    assert uow.accounts.rows[account.id].status_changed_at == EARLIER


async def test_reactivate_an_active_account_records_when_but_the_same_event_again_writes_nothing(uow):
    account = await _account(uow)

    await reactivate_account(ReactivateAccount(account_id=account.id, occurred_at=EARLIER), uow)
    await reactivate_account(ReactivateAccount(account_id=account.id, occurred_at=EARLIER), uow)

    assert uow.accounts.saves == 1
    assert uow.accounts.rows[account.id].is_active is True
    assert uow.accounts.rows[account.id].status_changed_at == EARLIER


async def test_reactivate_an_unknown_account_is_a_no_op(uow):
    await reactivate_account(ReactivateAccount(account_id=uuid.uuid4(), occurred_at=EARLIER), uow)

    assert uow.accounts.rows == {}


async def test_deactivate_then_reactivate_keeps_the_ended_sessions_ended(uow, denylist):
    account = await _account(uow)
    session = uow.sessions.open(account.id)

    await deactivate_account(DeactivateAccount(account_id=account.id, occurred_at=EARLIER), uow, denylist)
    await reactivate_account(ReactivateAccount(account_id=account.id, occurred_at=LATER), uow)

    assert uow.accounts.rows[account.id].is_active is True
    assert uow.accounts.rows[account.id].status_changed_at == LATER
    assert session.revoked_at is not None


async def test_an_older_reactivation_arriving_after_a_newer_deactivation_is_ignored(uow, denylist):
    account = await _account(uow)

    await deactivate_account(DeactivateAccount(account_id=account.id, occurred_at=LATER), uow, denylist)
    await reactivate_account(ReactivateAccount(account_id=account.id, occurred_at=EARLIER), uow)

    assert uow.accounts.rows[account.id].is_active is False
    assert uow.accounts.rows[account.id].status_changed_at == LATER


async def test_an_older_deactivation_arriving_after_a_newer_reactivation_is_ignored(uow, denylist):
    account = await _account(uow, is_active=False)
    account.status_changed_at = EARLIER - timedelta(minutes=1)
    await uow.accounts.save(account)
    session = uow.sessions.open(account.id)

    await reactivate_account(ReactivateAccount(account_id=account.id, occurred_at=LATER), uow)
    await deactivate_account(DeactivateAccount(account_id=account.id, occurred_at=EARLIER), uow, denylist)

    assert uow.accounts.rows[account.id].is_active is True
    assert uow.accounts.rows[account.id].status_changed_at == LATER
    assert session.revoked_at is None
    assert denylist.sessions == []


async def test_an_occurred_at_without_offset_is_taken_as_utc(uow, denylist):
    account = await _account(uow)

    naive = LATER.replace(tzinfo=None)
    await deactivate_account(DeactivateAccount(account_id=account.id, occurred_at=naive), uow, denylist)
    await reactivate_account(ReactivateAccount(account_id=account.id, occurred_at=EARLIER), uow)

    assert uow.accounts.rows[account.id].is_active is False
    assert uow.accounts.rows[account.id].status_changed_at == LATER


async def test_erase_forgets_the_account_and_denies_its_live_sessions(uow, denylist):
    account, other = await _account(uow), await _account(uow)
    live = uow.sessions.open(account.id)
    uow.sessions.open(account.id, revoked=True)
    kept = uow.sessions.open(other.id)

    await erase_account(EraseAccount(account_id=account.id), uow, denylist)

    assert denylist.sessions == [live.id]
    assert set(uow.accounts.rows) == {other.id}
    assert list(uow.sessions.rows) == [kept.id]
    assert kept.revoked_at is None


async def test_erase_an_unknown_account_is_a_no_op(uow, denylist):
    account = await _account(uow)

    await erase_account(EraseAccount(account_id=uuid.uuid4()), uow, denylist)

    assert denylist.sessions == []
    assert set(uow.accounts.rows) == {account.id}
