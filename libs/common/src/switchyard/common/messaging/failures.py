"""Telling an outage of the service's own database from a message that can never succeed.

Only the database counts: without it nothing can be recorded, so the event is redelivered
later. Other dependencies (a mail server, say) fail inside a handler whose own retries and
dead letters are the right answer.
"""

from __future__ import annotations

import asyncpg
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

# An unreachable or restarting database: waiting helps, dead-lettering would not.
_INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
)


def is_infrastructure_error(error: BaseException) -> bool:
    """True when ``error`` (or what caused it) means the database is down, not that the event is bad."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, _INFRASTRUCTURE_ERRORS):
            return True
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        seen = seen.__cause__ or seen.__context__
    return False
