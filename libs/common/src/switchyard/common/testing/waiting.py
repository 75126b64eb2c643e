"""Waiting for eventually consistent state (tables filled by consumers, records on topics)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol

type Condition = Callable[[], Awaitable[bool]]


class WaitUntil(Protocol):
    """The type of :func:`wait_until` (and of the ``wait_until`` fixture)."""

    def __call__(
        self, condition: Condition, within: float = ..., interval: float = ...
    ) -> Awaitable[None]: ...


async def wait_until(condition: Condition, within: float = 30.0, interval: float = 0.05) -> None:
    """Return once ``condition()`` is true; TimeoutError after ``within`` seconds."""
    async with asyncio.timeout(within):
        # Polling on purpose: the conditions are external state (Kafka, tables, metrics).
        while not await condition():  # noqa: ASYNC110
            await asyncio.sleep(interval)
