"""How auth's domain errors answer over HTTP (RFC 9457 problem details)."""

from __future__ import annotations

from collections.abc import Mapping

from redis.exceptions import RedisError

from switchyard.auth.adapters.password_hasher import HashingOverloaded
from switchyard.auth.domain.errors import (
    AccountDisabled,
    AccountExists,
    Conflict,
    InvalidInput,
    InvalidToken,
    NotFound,
    TooManyAttempts,
    WrongPassword,
)
from switchyard.common.http import ProblemError, ProblemMapper, maps_to

REDIS_DOWN = (
    "Sign-in is unavailable: its brute-force and revocation store cannot be reached. Try again shortly."
)


def _invalid_input(exc: InvalidInput) -> ProblemError:
    errors = [{"path": f"body.{exc.field}", "message": str(exc)}]
    return ProblemError(422, None, str(exc), extra={"errors": errors})


def _account_exists(exc: AccountExists) -> ProblemError:
    return ProblemError(409, "Account exists", str(exc), extra={"field": exc.field})


def _too_many_attempts(exc: TooManyAttempts) -> ProblemError:
    return ProblemError(429, None, str(exc), headers={"Retry-After": str(exc.retry_after_s)})


def _overloaded(_exc: HashingOverloaded) -> ProblemError:
    return ProblemError(
        503, None, "Too many sign-ins at once; try again in a moment.", headers={"Retry-After": "1"}
    )


def _redis_down(_exc: RedisError) -> ProblemError:
    # Fail closed: without the counters and the denylist nothing is safe to allow.
    return ProblemError(503, None, REDIS_DOWN, headers={"Retry-After": "5"})


PROBLEMS: Mapping[type[Exception], ProblemMapper] = {
    InvalidInput: _invalid_input,
    AccountExists: _account_exists,
    AccountDisabled: maps_to(403, "Account disabled"),
    TooManyAttempts: _too_many_attempts,
    InvalidToken: maps_to(400, "Invalid token"),
    WrongPassword: maps_to(403, "Wrong password"),
    NotFound: maps_to(404),
    Conflict: maps_to(409),
    RedisError: _redis_down,
    HashingOverloaded: _overloaded,
}
