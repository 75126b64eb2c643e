"""Inbox items stored in the notifications database."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, delete, func, select, update
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

    async def page(
        self, user_id: UUID, *, before_seq: int | None, unread_only: bool, limit: int
    ) -> list[InboxItem]:
        """The user's items, newest first (by seq); ``before_seq`` continues after an earlier page."""
        query = (
            select(inbox_items)
            .where(inbox_items.c.user_id == user_id)
            .order_by(inbox_items.c.seq.desc())
            .limit(limit)
        )
        if before_seq is not None:
            query = query.where(inbox_items.c.seq < before_seq)
        if unread_only:
            query = query.where(inbox_items.c.read_at.is_(None))
        return [inbox_item(row) for row in (await self._session.execute(query)).mappings()]

    async def after(self, user_id: UUID, seq: int, *, limit: int) -> list[InboxItem]:
        """The user's items past ``seq``, oldest first: what a resumed stream missed."""
        query = (
            select(inbox_items)
            .where(inbox_items.c.user_id == user_id, inbox_items.c.seq > seq)
            .order_by(inbox_items.c.seq)
            .limit(limit)
        )
        return [inbox_item(row) for row in (await self._session.execute(query)).mappings()]

    async def mark_read(self, user_id: UUID, item_id: UUID) -> bool:
        """Mark one of the user's items read (the first read time stays); False if they have no such item."""
        statement = (
            update(inbox_items)
            .where(inbox_items.c.id == item_id, inbox_items.c.user_id == user_id)
            .values(read_at=func.coalesce(inbox_items.c.read_at, func.now()))
            .returning(inbox_items.c.seq)
        )
        return (await self._session.execute(statement)).first() is not None

    async def mark_all_read(self, user_id: UUID) -> int:
        """Mark every unread item of the user read; how many were."""
        statement = (
            update(inbox_items)
            .where(inbox_items.c.user_id == user_id, inbox_items.c.read_at.is_(None))
            .values(read_at=func.now())
        )
        result = await self._session.execute(statement)
        return int(result.rowcount)  # type: ignore[attr-defined]
