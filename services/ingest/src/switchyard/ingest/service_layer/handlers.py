"""Use cases of the ingest service."""

from __future__ import annotations

from collections.abc import Sequence

from switchyard.ingest.domain.commands import ForgetUser, RecordOnboardedUser
from switchyard.ingest.domain.model import OnboardedUser
from switchyard.ingest.domain.rows import quoted_identity
from switchyard.ingest.service_layer.unit_of_work import IngestUnitOfWork


async def record_onboarded_users(commands: Sequence[RecordOnboardedUser], uow: IngestUnitOfWork) -> None:
    """Note the users; not those erased already (auth's answer arrived after the erasure)."""
    erased = await uow.erased.among(command.user_id for command in commands)
    await uow.onboarded.add_many(
        [
            OnboardedUser(user_id=c.user_id, email=c.email, username=c.username)
            for c in commands
            if c.user_id not in erased
        ]
    )
    # Erased before this answer came: the file's rows quoting them are forgotten now instead.
    if gone := [c for c in commands if c.user_id in erased]:
        await uow.imports.forget_quoted([q for c in gone for q in _quotes(c.email, c.username)])


async def forget_user(command: ForgetUser, uow: IngestUnitOfWork) -> None:
    """Right to erasure: whom imports onboarded, and duplicate rows quoting their email or username."""
    await uow.erased.record(command.user_id)
    person = await uow.onboarded.delete(command.user_id)
    if person is not None:
        await uow.imports.forget_quoted(_quotes(person.email, person.username))


def _quotes(email: str, username: str | None) -> list[str]:
    return [quoted_identity(identity) for identity in (email, username) if identity is not None]
