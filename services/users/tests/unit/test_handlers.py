"""The users handlers and subscriber against a fake unit of work (no I/O)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from switchyard.common.contracts import AccountRegistered, UserCreated, to_envelope
from switchyard.users.domain.commands import CreateProfile
from switchyard.users.domain.model import Role
from switchyard.users.entrypoints.events.subscribers import on_account_registered
from switchyard.users.service_layer.handlers import create_profile, create_profiles


def _command(user_id: uuid.UUID | None = None, username: str = "ada") -> CreateProfile:
    return CreateProfile(
        user_id=user_id or uuid.uuid4(),
        email="ada@example.com",
        username=username,
        full_name="Ada Lovelace",
        email_verified=False,
    )


async def test_create_profile_stores_the_profile_and_announces_it(uow):
    command = _command()

    await create_profile(command, uow)

    profile = uow.profiles.rows[command.user_id]
    assert list(uow.profiles.rows) == [command.user_id]
    assert (profile.email, profile.username, profile.role) == ("ada@example.com", "ada", Role.USER)
    assert uow.events == [
        UserCreated(user_id=command.user_id, email="ada@example.com", username="ada", role="user")
    ]


async def test_create_profile_twice_keeps_one_profile_and_one_event(uow):
    command = _command()

    await create_profile(command, uow)
    await create_profile(_command(user_id=command.user_id, username="someone-else"), uow)

    assert uow.profiles.rows[command.user_id].username == "ada"
    assert list(uow.profiles.rows) == [command.user_id]
    assert len(uow.events) == 1


async def test_account_registered_becomes_a_profile_with_the_accounts_id(uow):
    event = AccountRegistered(
        account_id=uuid.uuid4(),
        email="grace@example.com",
        username="grace",
        full_name=None,
        email_verified=True,
        invited=False,
    )

    await on_account_registered(event, to_envelope(event, source="auth"), uow)

    profile = uow.profiles.rows[event.account_id]
    assert (profile.email, profile.username, profile.full_name) == ("grace@example.com", "grace", None)
    assert profile.email_verified is True
    assert profile.created_at <= datetime.now(UTC)


async def test_create_profiles_inserts_a_batch_and_skips_ids_already_there(uow):
    existing = _command(username="first")
    await create_profile(existing, uow)
    batch = [_command(username="grace"), existing, _command(username="linus")]

    await create_profiles(batch, uow)

    assert set(uow.profiles.rows) == {command.user_id for command in batch}
    assert [event.username for event in uow.events] == ["first", "grace", "linus"]
