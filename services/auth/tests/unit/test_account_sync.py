"""Auth following what the users service decided (role, deactivation, erasure), on a fake unit of work."""

from __future__ import annotations

import uuid

import pytest

from switchyard.auth.domain.commands import ChangeRole, DeactivateAccount, EraseAccount, ReactivateAccount
from switchyard.auth.domain.model import Account
from switchyard.auth.service_layer.account_sync import (
    change_role,
    deactivate_account,
    erase_account,
    reactivate_account,
)
from switchyard.common.messaging import PermanentError


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


async def test_change_role_stores_the_new_role(uow):
    account = await _account(uow)

    await change_role(ChangeRole(account_id=account.id, role="moderator"), uow)

    assert uow.accounts.rows[account.id].role == "moderator"
    assert uow.accounts.rows[account.id].roles == ["moderator"]


async def test_change_role_to_the_same_role_writes_nothing(uow):
    account = await _account(uow, role="admin")

    await change_role(ChangeRole(account_id=account.id, role="admin"), uow)

    assert uow.accounts.saves == 0
    assert uow.accounts.rows[account.id].role == "admin"


async def test_change_role_to_an_unknown_role_is_permanent_and_changes_nothing(uow):
    account = await _account(uow)

    with pytest.raises(PermanentError, match="superuser"):
        await change_role(ChangeRole(account_id=account.id, role="superuser"), uow)

    assert uow.accounts.rows[account.id].role == "user"
    assert uow.accounts.saves == 0


async def test_change_role_of_an_unknown_account_is_a_no_op(uow):
    await change_role(ChangeRole(account_id=uuid.uuid4(), role="admin"), uow)

    assert uow.accounts.rows == {}
    assert uow.events == []


async def test_deactivate_disables_the_account_and_returns_its_live_sessions(uow):
    account, other = await _account(uow), await _account(uow)
    live = [uow.sessions.open(account.id) for _ in range(2)]
    ended = uow.sessions.open(account.id, revoked=True)
    others = uow.sessions.open(other.id)

    revoked = await deactivate_account(DeactivateAccount(account_id=account.id), uow)

    assert sorted(revoked) == sorted(s.id for s in live)
    assert uow.accounts.rows[account.id].is_active is False
    assert {s.revoked_reason for s in live} == {"account-deactivated"}
    assert ended.revoked_reason == "logout", "an ended session keeps the reason it ended for"
    assert others.revoked_at is None
    assert uow.accounts.rows[other.id].is_active is True


async def test_deactivate_an_unknown_account_returns_no_sessions(uow):
    assert await deactivate_account(DeactivateAccount(account_id=uuid.uuid4()), uow) == []
    assert uow.accounts.rows == {}


async def test_reactivate_enables_a_deactivated_account(uow):
    account = await _account(uow, is_active=False)

    await reactivate_account(ReactivateAccount(account_id=account.id), uow)

    assert uow.accounts.rows[account.id].is_active is True


async def test_reactivate_an_active_account_writes_nothing(uow):
    account = await _account(uow)

    await reactivate_account(ReactivateAccount(account_id=account.id), uow)

    assert uow.accounts.saves == 0
    assert uow.accounts.rows[account.id].is_active is True


async def test_reactivate_an_unknown_account_is_a_no_op(uow):
    await reactivate_account(ReactivateAccount(account_id=uuid.uuid4()), uow)

    assert uow.accounts.rows == {}


async def test_deactivate_then_reactivate_keeps_the_ended_sessions_ended(uow):
    account = await _account(uow)
    session = uow.sessions.open(account.id)

    await deactivate_account(DeactivateAccount(account_id=account.id), uow)
    await reactivate_account(ReactivateAccount(account_id=account.id), uow)

    assert uow.accounts.rows[account.id].is_active is True
    assert session.revoked_at is not None


async def test_erase_forgets_the_account_and_returns_its_live_sessions(uow):
    account, other = await _account(uow), await _account(uow)
    live = uow.sessions.open(account.id)
    uow.sessions.open(account.id, revoked=True)
    kept = uow.sessions.open(other.id)

    revoked = await erase_account(EraseAccount(account_id=account.id), uow)

    assert revoked == [live.id]
    assert set(uow.accounts.rows) == {other.id}
    assert list(uow.sessions.rows) == [kept.id]
    assert kept.revoked_at is None


async def test_erase_an_unknown_account_is_a_no_op(uow):
    account = await _account(uow)

    assert await erase_account(EraseAccount(account_id=uuid.uuid4()), uow) == []
    assert set(uow.accounts.rows) == {account.id}
