"""Who can be written to, kept from auth's and users' events (addresses, names, locales)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.notifications.adapters.orm import recipients
from switchyard.notifications.domain.commands import RememberRecipient


class RecipientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def remember(self, commands: Sequence[RememberRecipient]) -> None:
        """Insert or update; fields left None keep what is known. One statement per shape of command."""
        by_known: dict[tuple[str, ...], list[dict[str, object]]] = defaultdict(list)
        for command in commands:
            values = {"email": command.email, "full_name": command.full_name, "locale": command.locale}
            known = tuple(name for name, value in values.items() if value is not None)
            by_known[known].append({"user_id": command.user_id, **values, "email": command.email or ""})
        for known, rows in by_known.items():
            statement = insert(recipients)
            upsert = (
                statement.on_conflict_do_update(
                    index_elements=[recipients.c.user_id],
                    set_={name: statement.excluded[name] for name in known},
                )
                if known
                else statement.on_conflict_do_nothing()
            )
            await self._session.execute(upsert, rows)

    async def get(self, user_id: UUID) -> tuple[str, str | None, str | None] | None:
        """(email, full name, locale) of ``user_id``, if known."""
        query = select(recipients.c.email, recipients.c.full_name, recipients.c.locale).where(
            recipients.c.user_id == user_id
        )
        row = (await self._session.execute(query)).first()
        return None if row is None or not row.email else (row.email, row.full_name, row.locale)

    async def locales(self, user_ids: Iterable[UUID]) -> dict[UUID, str]:
        """The locale of those of ``user_ids`` who chose one, with one query."""
        wanted = list(user_ids)
        if not wanted:
            return {}
        query = select(recipients.c.user_id, recipients.c.locale).where(
            recipients.c.user_id.in_(wanted), recipients.c.locale.is_not(None)
        )
        return {row.user_id: row.locale for row in await self._session.execute(query)}

    async def delete(self, user_id: UUID) -> None:
        await self._session.execute(delete(recipients).where(recipients.c.user_id == user_id))
