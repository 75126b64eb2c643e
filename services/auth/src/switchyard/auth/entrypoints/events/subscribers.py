"""Kafka subscribers of the auth service: each translates an event into a command."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from switchyard.auth.domain.commands import (
    ChangeRole,
    DeactivateAccount,
    EraseAccount,
    InviteAccount,
    ReactivateAccount,
)
from switchyard.auth.service_layer import account_sync, invitations
from switchyard.auth.service_layer.context import AuthContext
from switchyard.auth.service_layer.unit_of_work import AuthUnitOfWork
from switchyard.common.contracts import (
    Envelope,
    ImportRowsSubmitted,
    ImportRowSubmitted,
    SubmittedRow,
    UserDeactivated,
    UserDeleted,
    UserReactivated,
    UserRoleChanged,
)
from switchyard.common.runtime import ServiceRuntime


def _invitation(import_id: UUID, row: ImportRowSubmitted | SubmittedRow, notify: bool) -> InviteAccount:
    """The command for one import row, whichever event carried it."""
    return InviteAccount(
        import_id=import_id,
        row_number=row.row_number,
        email=row.email,
        username=row.username,
        full_name=row.full_name,
        role=row.role,
        notify=notify,
    )


def subscribe_all(runtime: ServiceRuntime, ctx: AuthContext) -> None:
    async def on_user_role_changed(event: UserRoleChanged, _envelope: Envelope, uow: AuthUnitOfWork) -> None:
        command = ChangeRole(account_id=event.user_id, role=event.role)
        await account_sync.change_role(command, uow, ctx.denylist)

    async def on_user_deactivated(event: UserDeactivated, envelope: Envelope, uow: AuthUnitOfWork) -> None:
        command = DeactivateAccount(account_id=event.user_id, occurred_at=envelope.occurred_at)
        await account_sync.deactivate_account(command, uow, ctx.denylist)

    async def on_user_reactivated(event: UserReactivated, envelope: Envelope, uow: AuthUnitOfWork) -> None:
        command = ReactivateAccount(account_id=event.user_id, occurred_at=envelope.occurred_at)
        await account_sync.reactivate_account(command, uow)

    async def on_user_deleted(event: UserDeleted, _envelope: Envelope, uow: AuthUnitOfWork) -> None:
        await account_sync.erase_account(EraseAccount(account_id=event.user_id), uow, ctx.denylist)

    async def on_import_row_batch(
        batch: Sequence[tuple[ImportRowSubmitted, Envelope]], uow: AuthUnitOfWork
    ) -> None:
        # One row an event, as ingest sent them before ImportRowsSubmitted (still applied).
        commands = [_invitation(event.import_id, event, event.notify) for event, _envelope in batch]
        await invitations.invite_accounts(commands, ctx, uow)

    async def on_import_row_submitted(
        event: ImportRowSubmitted, envelope: Envelope, uow: AuthUnitOfWork
    ) -> None:
        await on_import_row_batch([(event, envelope)], uow)

    async def on_import_rows_batch(
        batch: Sequence[tuple[ImportRowsSubmitted, Envelope]], uow: AuthUnitOfWork
    ) -> None:
        # Imports send rows by the thousand: a batch of them becomes accounts with one insert.
        commands = [
            _invitation(event.import_id, row, event.notify)
            for event, _envelope in batch
            for row in event.rows
        ]
        await invitations.invite_accounts(commands, ctx, uow)

    async def on_import_rows_submitted(
        event: ImportRowsSubmitted, envelope: Envelope, uow: AuthUnitOfWork
    ) -> None:
        await on_import_rows_batch([(event, envelope)], uow)

    runtime.subscribe(UserRoleChanged, on_user_role_changed, AuthUnitOfWork)
    runtime.subscribe(UserDeactivated, on_user_deactivated, AuthUnitOfWork)
    runtime.subscribe(UserReactivated, on_user_reactivated, AuthUnitOfWork)
    runtime.subscribe(UserDeleted, on_user_deleted, AuthUnitOfWork)
    runtime.subscribe(
        ImportRowSubmitted, on_import_row_submitted, AuthUnitOfWork, batch_handler=on_import_row_batch
    )
    # A unit of work holds about KAFKA_CONSUME_BATCH_SIZE rows, however many events carry them.
    rows_batch_events = max(1, runtime.settings.kafka.consume_batch_size // ImportRowsSubmitted.MAX_ROWS)
    runtime.subscribe(
        ImportRowsSubmitted,
        on_import_rows_submitted,
        AuthUnitOfWork,
        batch_handler=on_import_rows_batch,
        max_records=rows_batch_events,
    )
