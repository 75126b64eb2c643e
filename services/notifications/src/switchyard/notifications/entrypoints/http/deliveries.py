"""The delivery log (admin): ``GET /deliveries`` and ``POST /deliveries/{id}/retry``."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, QueryParameter

from switchyard.common.http import requires_roles
from switchyard.notifications.domain.model import DeliveryStatus
from switchyard.notifications.entrypoints.http.cursors import decode_position, encode_position
from switchyard.notifications.entrypoints.http.dependencies import Uow
from switchyard.notifications.entrypoints.http.schemas import DeliveryPage, DeliveryRead
from switchyard.notifications.service_layer import deliveries


class DeliveryController(Controller):
    path = "/deliveries"
    tags = ["deliveries"]
    # Roles from the verified token: 401 without one, 403 unless admin.
    guards = [requires_roles("admin")]

    @get("/", summary="The email delivery log, newest first (admin)")
    async def list_deliveries(
        self,
        uow: Uow,
        status: FromQuery[DeliveryStatus | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, QueryParameter(max_length=256)] = None,
    ) -> DeliveryPage:
        page = await deliveries.list_deliveries(
            uow, status=status, after=None if cursor is None else decode_position(cursor), limit=limit
        )
        return DeliveryPage(
            items=[DeliveryRead.of(delivery) for delivery in page.items],
            next_cursor=None if page.following is None else encode_position(page.following),
        )

    @post("/{delivery_id:uuid}/retry", status_code=202, summary="Send a failed email again (admin)")
    async def retry(self, delivery_id: FromPath[UUID], uow: Uow) -> DeliveryRead:
        async with uow:
            delivery = await deliveries.retry_delivery(uow, delivery_id=delivery_id)
            await uow.commit()
        return DeliveryRead.of(delivery)
