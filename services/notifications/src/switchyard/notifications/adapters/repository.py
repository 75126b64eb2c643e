"""Deliveries stored in the notifications database: the email log and the send queue in one table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.notifications.adapters.orm import deliveries
from switchyard.notifications.domain.model import BULK_PRIORITY, Category, Delivery, DeliveryStatus

_FIELDS = tuple(Delivery.__dataclass_fields__)


def _delivery(row: RowMapping) -> Delivery:
    values: dict[str, Any] = {name: row[name] for name in _FIELDS}
    values["status"], values["category"] = DeliveryStatus(row["status"]), Category(row["category"])
    return Delivery(**values)


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, delivery: Delivery) -> bool:
        """Store ``delivery``; False when one for the same source event and template exists."""
        values = {name: getattr(delivery, name) for name in _FIELDS}
        values["status"], values["category"] = delivery.status.value, delivery.category.value
        statement = (
            pg_insert(deliveries)
            .values(**values)
            .on_conflict_do_nothing(constraint="uq_deliveries_source_event_template")
        )
        inserted = await self._session.execute(statement.returning(deliveries.c.id))
        return inserted.first() is not None

    async def add_many(self, new: Sequence[Delivery]) -> None:
        """Store ``new`` in one executemany; one for a source event and template already there is skipped."""
        if not new:
            return
        rows = []
        for delivery in new:
            values = {name: getattr(delivery, name) for name in _FIELDS}
            values["status"], values["category"] = delivery.status.value, delivery.category.value
            rows.append(values)
        statement = pg_insert(deliveries).on_conflict_do_nothing(
            constraint="uq_deliveries_source_event_template"
        )
        await self._session.execute(statement, rows)

    async def get(self, delivery_id: UUID) -> Delivery | None:
        row = (
            (await self._session.execute(select(deliveries).where(deliveries.c.id == delivery_id)))
            .mappings()
            .first()
        )
        return None if row is None else _delivery(row)

    async def for_source_event(self, source_event_id: UUID) -> list[Delivery]:
        query = select(deliveries).where(deliveries.c.source_event_id == source_event_id)
        return [_delivery(row) for row in (await self._session.execute(query)).mappings()]

    async def claim_due(
        self, now: datetime, *, limit: int, claim_s: int, bulk: bool | None = None
    ) -> list[Delivery]:
        """Take up to ``limit`` queued deliveries that are due and not held by another sender.

        Interactive ones (priority 0) first; ``bulk`` True or False takes only that lane.
        """
        due = (
            select(deliveries.c.id)
            .where(deliveries.c.status == DeliveryStatus.QUEUED.value, deliveries.c.next_attempt_at <= now)
            .where(or_(deliveries.c.claimed_until.is_(None), deliveries.c.claimed_until < now))
            .order_by(deliveries.c.priority, deliveries.c.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if bulk is not None:
            due = due.where(
                deliveries.c.priority >= BULK_PRIORITY if bulk else deliveries.c.priority < BULK_PRIORITY
            )
        claimed = await self._session.execute(
            update(deliveries)
            .where(deliveries.c.id.in_(due.scalar_subquery()))
            .values(claimed_until=now + timedelta(seconds=claim_s), attempts=deliveries.c.attempts + 1)
            .returning(*deliveries.c)
        )
        return [_delivery(row) for row in claimed.mappings()]

    async def mark_sent(self, delivery_id: UUID, now: datetime) -> None:
        await self._finish(delivery_id, status=DeliveryStatus.SENT, sent_at=now, last_error=None)

    async def mark_failed(self, delivery_id: UUID, error: str) -> None:
        await self._finish(delivery_id, status=DeliveryStatus.FAILED, last_error=error)

    async def reschedule(self, delivery_id: UUID, at: datetime, error: str) -> None:
        await self._session.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id)
            .values(next_attempt_at=at, claimed_until=None, last_error=error, updated_at=func.now())
        )

    async def requeue(self, delivery_id: UUID, now: datetime) -> Delivery | None:
        """An admin's retry of a failed delivery: queued again, due now, attempts counted afresh."""
        row = (
            (
                await self._session.execute(
                    update(deliveries)
                    .where(deliveries.c.id == delivery_id, deliveries.c.status == DeliveryStatus.FAILED.value)
                    .values(
                        status=DeliveryStatus.QUEUED.value,
                        attempts=0,
                        next_attempt_at=now,
                        claimed_until=None,
                        updated_at=func.now(),
                    )
                    .returning(*deliveries.c)
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else _delivery(row)

    async def list(
        self, *, status: DeliveryStatus | None, after: datetime | None, after_id: UUID | None, limit: int
    ) -> list[Delivery]:
        """Newest first, keyset-paginated by (created_at, id)."""
        query = (
            select(deliveries).order_by(deliveries.c.created_at.desc(), deliveries.c.id.desc()).limit(limit)
        )
        if status is not None:
            query = query.where(deliveries.c.status == status.value)
        if after is not None and after_id is not None:
            query = query.where(
                or_(
                    deliveries.c.created_at < after,
                    (deliveries.c.created_at == after) & (deliveries.c.id < after_id),
                )
            )
        return [_delivery(row) for row in (await self._session.execute(query)).mappings()]

    async def delete_for_user(self, user_id: UUID) -> int:
        result = await self._session.execute(delete(deliveries).where(deliveries.c.user_id == user_id))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def _finish(self, delivery_id: UUID, **values: Any) -> None:
        status: DeliveryStatus = values.pop("status")
        await self._session.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id)
            .values(status=status.value, claimed_until=None, updated_at=func.now(), **values)
        )
