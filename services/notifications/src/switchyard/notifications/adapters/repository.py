"""Deliveries stored in the notifications database."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.notifications.adapters.orm import deliveries
from switchyard.notifications.domain.model import Delivery, DeliveryStatus


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, delivery: Delivery) -> bool:
        """Store ``delivery``; False when one for the same source event and template exists."""
        statement = (
            pg_insert(deliveries)
            .values(
                id=delivery.id,
                user_id=delivery.user_id,
                recipient=delivery.recipient,
                template=delivery.template,
                source_event_id=delivery.source_event_id,
                status=delivery.status.value,
                attempts=delivery.attempts,
                created_at=delivery.created_at,
            )
            .on_conflict_do_nothing(constraint="uq_deliveries_source_event_template")
        )
        inserted = await self._session.execute(statement.returning(deliveries.c.id))
        return inserted.first() is not None

    async def delete_for_user(self, user_id: UUID) -> int:
        result = await self._session.execute(delete(deliveries).where(deliveries.c.user_id == user_id))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def for_source_event(self, source_event_id: UUID) -> list[Delivery]:
        rows = await self._session.execute(
            select(deliveries).where(deliveries.c.source_event_id == source_event_id)
        )
        return [Delivery(**{**row._asdict(), "status": DeliveryStatus(row.status)}) for row in rows]
