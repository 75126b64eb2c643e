"""Counting auth's answers to sent rows: each row counts once, and the last answer may end the import.

A created row's answer also names the account, which is how ingest knows whom an import onboarded
(and what to forget when that person is erased), without reading every user-created event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from switchyard.ingest.adapters.imports import CREATED, REJECTED
from switchyard.ingest.adapters.storage import UploadStorage
from switchyard.ingest.domain.commands import RecordOnboardedUser, RecordRowAnswers
from switchyard.ingest.domain.rows import RowError
from switchyard.ingest.service_layer.completion import answers_done, complete_if_done
from switchyard.ingest.service_layer.handlers import record_onboarded_users
from switchyard.ingest.service_layer.unit_of_work import IngestUnitOfWork


async def record_row_answers(
    command: RecordRowAnswers,
    uow: IngestUnitOfWork,
    storage: UploadStorage,
    clock: Callable[[], datetime],
    *,
    answers_window: timedelta,
) -> None:
    """Store new answers (a row answered again is ignored), their errors and the counts."""
    job = await uow.imports.get(command.import_id, for_update=True)
    if job is None:
        return  # the import was deleted (or belongs to another deployment sharing the topic)
    if answers_done(job, clock(), answers_window):
        return  # rows auth applied again, after the import's answer records went
    latest = {answer.row_number: answer for answer in command.answers}
    stored = await uow.imports.record_answers(
        job.id, [(row, CREATED if answer.created else REJECTED) for row, answer in latest.items()]
    )
    errors = []
    onboarded = []
    for row_number, outcome in stored:
        answer = latest[row_number]
        if outcome == CREATED:
            job.created += 1
            if answer.account_id is not None and answer.email is not None:
                onboarded.append(
                    RecordOnboardedUser(
                        user_id=answer.account_id, email=answer.email, username=answer.username
                    )
                )
        else:
            job.rejected += 1
            errors.append(
                RowError(
                    row_number,
                    answer.column,
                    answer.code or "rejected",
                    answer.message or "Rejected by auth.",
                )
            )
    await uow.imports.add_errors(job.id, errors)
    now = clock()
    if stored:
        job.answered_at = now
    await complete_if_done(job, uow, storage, now)
    # Last: it holds the erasure check's lock to the commit, so as briefly as it can.
    if onboarded:
        await record_onboarded_users(onboarded, uow)
    await uow.imports.save(job)
