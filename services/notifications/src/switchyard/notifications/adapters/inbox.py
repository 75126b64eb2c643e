"""Inbox items stored in the notifications database."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.notifications.adapters.orm import inbox_items
from switchyard.notifications.domain.model import Category, InboxItem


def inbox_item(row: RowMapping) -> InboxItem:
    values: dict[str, Any] = {name: row[name] for name in InboxItem.__dataclass_fields__}
    values["category"] = Category(values["category"])
    return InboxItem(**values)


class InboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, item: InboxItem) -> InboxItem | None:
        """Store ``item`` (with its seq); None when this source event already gave this user one."""
        values = {name: getattr(item, name) for name in InboxItem.__dataclass_fields__ if name != "seq"}
        values["category"] = item.category.value
        statement = (
            insert(inbox_items)
            .values(**values)
            .on_conflict_do_nothing(constraint="uq_inbox_items_source_event_user")
            .returning(*inbox_items.c)
        )
        row = (await self._session.execute(statement)).mappings().first()
        return None if row is None else inbox_item(row)

    async def delete_for_user(self, user_id: UUID) -> None:
        await self._session.execute(delete(inbox_items).where(inbox_items.c.user_id == user_id))
