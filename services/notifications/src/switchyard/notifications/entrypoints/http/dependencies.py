"""Dependency providers of the notifications controllers, provided app-wide by bootstrap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from litestar.di import NamedDependency, Provide

from switchyard.common.http import CurrentPrincipal, ProblemError
from switchyard.notifications.adapters.live import InboxFeed
from switchyard.notifications.service_layer.unit_of_work import NotificationsUnitOfWork


@dataclass(frozen=True, slots=True)
class StreamOptions:
    # A comment line this often keeps idle streams open through proxies (the gateway waits 300 s).
    heartbeat_s: float = 15.0


async def provide_caller(principal: CurrentPrincipal) -> UUID:
    """``caller``: the id of the person the bearer token was issued to (401 without a valid token)."""
    try:
        return UUID(principal.subject)
    except ValueError:
        raise ProblemError(403, None, "This token does not name a user.") from None


def http_dependencies(
    uow: Callable[[], NotificationsUnitOfWork], feed: InboxFeed, stream: StreamOptions
) -> dict[str, Provide]:
    """Everything the controllers inject by name, built from the composition root's objects."""
    return {
        "uow": Provide(uow, sync_to_thread=False),
        "feed": Provide(lambda: feed, use_cache=True, sync_to_thread=False),
        "stream_options": Provide(lambda: stream, use_cache=True, sync_to_thread=False),
        "caller": Provide(provide_caller),
    }


# Handler parameter types, injected by name.
Uow = NamedDependency[NotificationsUnitOfWork]
Feed = NamedDependency[InboxFeed]
Stream = NamedDependency[StreamOptions]
Caller = NamedDependency[UUID]
