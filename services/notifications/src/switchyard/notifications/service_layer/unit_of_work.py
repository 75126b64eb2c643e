"""The notifications unit of work: deliveries, inbox, preferences, recipients plus the outbox."""

from __future__ import annotations

from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchyard.common.db import ErasedUsers, SqlAlchemyUnitOfWork
from switchyard.notifications.adapters.inbox import InboxRepository
from switchyard.notifications.adapters.orm import erased_users
from switchyard.notifications.adapters.preferences import PreferenceRepository
from switchyard.notifications.adapters.recipients import RecipientRepository
from switchyard.notifications.adapters.repository import DeliveryRepository


class NotificationsUnitOfWork(SqlAlchemyUnitOfWork):
    deliveries: DeliveryRepository
    inbox: InboxRepository
    preferences: PreferenceRepository
    recipients: RecipientRepository
    erased: ErasedUsers

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(session_factory, source="notifications")

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.deliveries = DeliveryRepository(self.session)
        self.inbox = InboxRepository(self.session)
        self.preferences = PreferenceRepository(self.session)
        self.recipients = RecipientRepository(self.session)
        self.erased = ErasedUsers(self.session, erased_users)
        return self
