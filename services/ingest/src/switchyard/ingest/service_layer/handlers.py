"""Use cases of the ingest service."""

from __future__ import annotations

from switchyard.ingest.domain.commands import ForgetUser, RecordOnboardedUser
from switchyard.ingest.domain.model import OnboardedUser
from switchyard.ingest.service_layer.unit_of_work import IngestUnitOfWork


async def record_onboarded_user(command: RecordOnboardedUser, uow: IngestUnitOfWork) -> None:
    """Note the user; not when they were erased already (their user-created arrived late)."""
    if await uow.erased.contains(command.user_id):
        return
    await uow.onboarded.add(OnboardedUser(user_id=command.user_id, email=command.email))


async def forget_user(command: ForgetUser, uow: IngestUnitOfWork) -> None:
    await uow.erased.record(command.user_id)
    await uow.onboarded.delete(command.user_id)
