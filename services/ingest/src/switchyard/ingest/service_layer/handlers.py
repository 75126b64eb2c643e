"""Use cases of the ingest service."""

from __future__ import annotations

from collections.abc import Sequence

from switchyard.ingest.domain.commands import ForgetUser, RecordOnboardedUser
from switchyard.ingest.domain.model import OnboardedUser
from switchyard.ingest.service_layer.unit_of_work import IngestUnitOfWork


async def record_onboarded_users(commands: Sequence[RecordOnboardedUser], uow: IngestUnitOfWork) -> None:
    """Note the users; not those erased already (auth's answer arrived after the erasure)."""
    erased = await uow.erased.among(command.user_id for command in commands)
    await uow.onboarded.add_many(
        [OnboardedUser(user_id=c.user_id, email=c.email) for c in commands if c.user_id not in erased]
    )


async def forget_user(command: ForgetUser, uow: IngestUnitOfWork) -> None:
    await uow.erased.record(command.user_id)
    await uow.onboarded.delete(command.user_id)
