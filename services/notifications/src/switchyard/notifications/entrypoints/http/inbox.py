"""The caller's inbox: ``GET /``, ``POST /{id}/read``, ``POST /read-all``."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath, QueryParameter

from switchyard.notifications.entrypoints.http.cursors import decode_seq, encode_seq
from switchyard.notifications.entrypoints.http.dependencies import Caller, Uow
from switchyard.notifications.entrypoints.http.schemas import InboxItemRead, InboxPage
from switchyard.notifications.service_layer import inbox


class InboxController(Controller):
    path = "/"
    tags = ["inbox"]

    @get("/", summary="My notifications, newest first (cursor pagination, unread filter)")
    async def list_inbox(
        self,
        caller: Caller,
        uow: Uow,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, QueryParameter(max_length=256)] = None,
        unread: Annotated[bool, QueryParameter(description="Only items not read yet")] = False,
    ) -> InboxPage:
        page = await inbox.list_inbox(
            uow,
            user_id=caller,
            before_seq=None if cursor is None else decode_seq(cursor),
            unread_only=unread,
            limit=limit,
        )
        return InboxPage(
            items=[InboxItemRead.of(item) for item in page.items],
            next_cursor=None if page.next_before is None else encode_seq(page.next_before),
        )

    @post("/{item_id:uuid}/read", status_code=204, summary="Mark one of my notifications read")
    async def mark_read(self, item_id: FromPath[UUID], caller: Caller, uow: Uow) -> None:
        async with uow:
            await inbox.mark_read(uow, user_id=caller, item_id=item_id)
            await uow.commit()

    @post("/read-all", status_code=204, summary="Mark all my notifications read")
    async def mark_all_read(self, caller: Caller, uow: Uow) -> None:
        async with uow:
            await inbox.mark_all_read(uow, user_id=caller)
            await uow.commit()
