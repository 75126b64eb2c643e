"""Kafka subscribers of the ingest service: each translates events into a command."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime

from switchyard.common.contracts import Envelope, ImportRowProcessed, UserCreated, UserDeleted
from switchyard.common.runtime import ServiceRuntime
from switchyard.ingest.adapters.storage import UploadStorage
from switchyard.ingest.domain.commands import ForgetUser, RecordOnboardedUser, RecordRowAnswers, RowAnswer
from switchyard.ingest.service_layer import handlers
from switchyard.ingest.service_layer.answers import record_row_answers
from switchyard.ingest.service_layer.unit_of_work import IngestUnitOfWork


async def on_users_created(batch: Sequence[tuple[UserCreated, Envelope]], uow: IngestUnitOfWork) -> None:
    commands = [RecordOnboardedUser(user_id=event.user_id, email=event.email) for event, _ in batch]
    await handlers.record_onboarded_users(commands, uow)


async def on_user_created(event: UserCreated, envelope: Envelope, uow: IngestUnitOfWork) -> None:
    await on_users_created([(event, envelope)], uow)


async def on_user_deleted(event: UserDeleted, _envelope: Envelope, uow: IngestUnitOfWork) -> None:
    await handlers.forget_user(ForgetUser(user_id=event.user_id), uow)


def subscribe_all(runtime: ServiceRuntime, *, storage: UploadStorage, clock: Callable[[], datetime]) -> None:
    async def on_import_rows_processed(
        batch: Sequence[tuple[ImportRowProcessed, Envelope]], uow: IngestUnitOfWork
    ) -> None:
        # Auth answers row by row; a batch of answers is counted with one statement per import.
        by_import: dict[object, list[RowAnswer]] = defaultdict(list)
        for event, _envelope in batch:
            by_import[event.import_id].append(
                RowAnswer(
                    row_number=event.row_number,
                    created=event.outcome == "created",
                    column=event.field,
                    code=event.code,
                    message=event.message,
                )
            )
        for event, _envelope in batch:
            answers = by_import.pop(event.import_id, None)
            if answers is not None:
                command = RecordRowAnswers(import_id=event.import_id, answers=answers)
                await record_row_answers(command, uow, storage, clock)

    async def on_import_row_processed(
        event: ImportRowProcessed, envelope: Envelope, uow: IngestUnitOfWork
    ) -> None:
        await on_import_rows_processed([(event, envelope)], uow)

    runtime.subscribe(UserCreated, on_user_created, IngestUnitOfWork, batch_handler=on_users_created)
    runtime.subscribe(UserDeleted, on_user_deleted, IngestUnitOfWork)
    runtime.subscribe(
        ImportRowProcessed, on_import_row_processed, IngestUnitOfWork, batch_handler=on_import_rows_processed
    )
