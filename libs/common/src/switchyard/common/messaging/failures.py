"""Telling an outage of the service's own database from a message that can never succeed.

The service's database and Redis count: without them nothing can be recorded (or revoked), so
the event is redelivered later. Other dependencies (a mail server, say) fail inside a handler
whose own retries and dead letters are the right answer.
"""

from __future__ import annotations

import asyncpg
import redis.exceptions
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
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


def is_infrastructure_error(error: BaseException) -> bool:
    """True when ``error`` (or its cause) means the database or Redis is down, not that the event is bad."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, _INFRASTRUCTURE_ERRORS):
            return True
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        seen = seen.__cause__ or seen.__context__
    return False
