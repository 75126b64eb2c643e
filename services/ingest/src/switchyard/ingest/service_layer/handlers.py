"""Use cases of the ingest service."""

from __future__ import annotations

from switchyard.ingest.domain.commands import ForgetUser, RecordOnboardedUser
from switchyard.ingest.domain.model import OnboardedUser
from switchyard.ingest.service_layer.unit_of_work import IngestUnitOfWork


async def record_onboarded_user(command: RecordOnboardedUser, uow: IngestUnitOfWork) -> None:
    await uow.onboarded.add(OnboardedUser(user_id=command.user_id, email=command.email))


async def forget_user(command: ForgetUser, uow: IngestUnitOfWork) -> None:
    await uow.onboarded.delete(command.user_id)
