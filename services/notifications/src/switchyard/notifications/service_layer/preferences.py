"""What a person chose to receive: the categories opted out of (never security or account)."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from switchyard.notifications.domain.model import MANDATORY, Category
from switchyard.notifications.service_layer.unit_of_work import NotificationsUnitOfWork


class InvalidOptOut(Exception):
    """An opt-out naming unknown categories or ones that cannot be switched off."""

    def __init__(self, message: str, categories: Iterable[str]) -> None:
        super().__init__(message)
        self.categories = sorted(set(categories))


def opt_outs(names: Iterable[str]) -> frozenset[Category]:
    """The categories ``names`` stand for; InvalidOptOut naming the unknown or mandatory ones."""
    wanted = set(names)
    known = {category.value for category in Category}
    if unknown := wanted - known:
        raise InvalidOptOut(
            f"Unknown categories: {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}.", unknown
        )
    chosen = frozenset(Category(name) for name in wanted)
    if mandatory := chosen & MANDATORY:
        fixed = sorted(category.value for category in mandatory)
        raise InvalidOptOut(f"{' and '.join(fixed)} messages cannot be switched off.", fixed)
    return chosen


async def get_opt_outs(uow: NotificationsUnitOfWork, *, user_id: UUID) -> frozenset[Category]:
    async with uow:
        return await uow.preferences.opted_out(user_id)


async def set_opt_outs(
    uow: NotificationsUnitOfWork, *, user_id: UUID, names: Iterable[str]
) -> frozenset[Category]:
    chosen = opt_outs(names)
    await uow.preferences.put(user_id, chosen)
    return chosen
