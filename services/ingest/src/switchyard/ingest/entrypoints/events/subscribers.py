"""Kafka subscribers of the ingest service: each translates events into a command."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from uuid import UUID

from switchyard.common.contracts import Envelope, ImportRowsProcessed, UserDeleted
from switchyard.common.runtime import ServiceRuntime
from switchyard.ingest.adapters.storage import UploadStorage
from switchyard.ingest.domain.commands import ForgetUser, RecordRowAnswers, RowAnswer
from switchyard.ingest.service_layer import handlers
from switchyard.ingest.service_layer.answers import record_row_answers
from switchyard.ingest.service_layer.unit_of_work import IngestUnitOfWork


async def on_user_deleted(event: UserDeleted, _envelope: Envelope, uow: IngestUnitOfWork) -> None:
    await handlers.forget_user(ForgetUser(user_id=event.user_id), uow)


def subscribe_all(
    runtime: ServiceRuntime,
    *,
    storage: UploadStorage,
    clock: Callable[[], datetime],
    answers_window: timedelta,
) -> None:
    async def on_answer_batches(
        batch: Sequence[tuple[ImportRowsProcessed, Envelope]], uow: IngestUnitOfWork
    ) -> None:
        # Auth answers a batch of rows per event; a batch of such events is counted per import at once.
        by_import: dict[UUID, list[RowAnswer]] = defaultdict(list)
        for event, _envelope in batch:
            by_import[event.import_id] += [
                RowAnswer(
                    row_number=row.row_number,
                    created=row.outcome == "created",
                    account_id=row.account_id,
                    email=row.email,
                    username=row.username,
                    column=row.field,
                    code=row.code,
                    message=row.message,
                )
                for row in event.rows
            ]
        for import_id, answers in by_import.items():
            await record_row_answers(
                RecordRowAnswers(import_id=import_id, answers=answers),
                uow,
                storage,
                clock,
                answers_window=answers_window,
            )

    async def on_import_rows_processed(
        event: ImportRowsProcessed, envelope: Envelope, uow: IngestUnitOfWork
    ) -> None:
        await on_answer_batches([(event, envelope)], uow)

    runtime.subscribe(UserDeleted, on_user_deleted, IngestUnitOfWork)
    runtime.subscribe(
        ImportRowsProcessed, on_import_rows_processed, IngestUnitOfWork, batch_handler=on_answer_batches
    )
