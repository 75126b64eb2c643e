"""How the users domain errors answer over HTTP (RFC 9457 problem details)."""

from __future__ import annotations

from collections.abc import Mapping

from switchyard.common.http import ProblemError, ProblemMapper, maps_to
from switchyard.users.domain.errors import InvalidField, LastActiveAdmin, ProfileNotFound, StaleProfile

# Fields read from the query string; the rest come from the body.
_QUERY_FIELDS = ("cursor", "q")


def _invalid_field(exc: InvalidField) -> ProblemError:
    source = "query" if exc.field in _QUERY_FIELDS else "body"
    errors = [{"path": f"{source}.{exc.field}", "message": str(exc)}]
    return ProblemError(422, None, str(exc), extra={"errors": errors})


def _stale(exc: StaleProfile) -> ProblemError:
    return ProblemError(412, None, str(exc), headers={"ETag": exc.current_etag})


PROBLEMS: Mapping[type[Exception], ProblemMapper] = {
    InvalidField: _invalid_field,
    StaleProfile: _stale,
    LastActiveAdmin: maps_to(409, "Last active admin"),
    ProfileNotFound: maps_to(404),
}
