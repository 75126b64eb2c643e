"""Kafka subscribers of the ingest service: each translates an event into a command."""

from __future__ import annotations

from switchyard.common.contracts import Envelope, UserCreated, UserDeleted
from switchyard.common.runtime import ServiceRuntime
from switchyard.ingest.domain.commands import ForgetUser, RecordOnboardedUser
from switchyard.ingest.service_layer import handlers
from switchyard.ingest.service_layer.unit_of_work import IngestUnitOfWork


async def on_user_created(event: UserCreated, _envelope: Envelope, uow: IngestUnitOfWork) -> None:
    await handlers.record_onboarded_user(RecordOnboardedUser(user_id=event.user_id, email=event.email), uow)


async def on_user_deleted(event: UserDeleted, _envelope: Envelope, uow: IngestUnitOfWork) -> None:
    await handlers.forget_user(ForgetUser(user_id=event.user_id), uow)


def subscribe_all(runtime: ServiceRuntime) -> None:
    runtime.subscribe(UserCreated, on_user_created, IngestUnitOfWork)
    runtime.subscribe(UserDeleted, on_user_deleted, IngestUnitOfWork)
