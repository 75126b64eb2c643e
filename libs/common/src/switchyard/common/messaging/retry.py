"""Exponential backoff with jitter, as pure computation."""

from __future__ import annotations

import random
from collections.abc import Callable

import msgspec

# Beyond this the delay is capped anyway; bounding the exponent avoids float overflow.
_MAX_EXPONENT = 64


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """How often and how patiently to retry a transient failure.

    ``max_attempts`` counts the first try; :meth:`delay` is the pause after failed
    attempt ``attempt`` (1-based).
    """

    max_attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 10.0
    multiplier: float = 2.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base_delay <= 0 or self.max_delay < self.base_delay:
            raise ValueError(f"invalid retry policy {self!r}")
        if self.multiplier < 1:
            raise ValueError(f"multiplier must be >= 1, not {self.multiplier}")

    def ceiling(self, attempt: int) -> float:
        """The capped exponential delay after failed attempt ``attempt``, before jitter."""
        exponent = min(max(attempt, 1) - 1, _MAX_EXPONENT)
        return min(self.max_delay, self.base_delay * self.multiplier**exponent)

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """Equal jitter: half the ceiling is fixed, half random.

        The fixed half means a retry never fires immediately (no tight loop); the random
        half spreads out consumers that failed together.
        """
        ceiling = self.ceiling(attempt)
        return ceiling / 2 + rand() * ceiling / 2

    def retries_left(self, attempt: int) -> bool:
        """Whether another attempt may follow failed attempt ``attempt``."""
        return attempt < self.max_attempts
