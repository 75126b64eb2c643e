"""How the notifications API's errors answer over HTTP (RFC 9457 problem details)."""

from __future__ import annotations

from collections.abc import Mapping

from switchyard.common.http import ProblemError, ProblemMapper, maps_to
from switchyard.common.http.cursors import InvalidCursor, invalid_cursor_problem
from switchyard.notifications.service_layer.deliveries import DeliveryNotFound, DeliveryNotRetryable
from switchyard.notifications.service_layer.inbox import InboxItemNotFound
from switchyard.notifications.service_layer.preferences import InvalidOptOut


def _invalid_opt_out(exc: InvalidOptOut) -> ProblemError:
    errors = [{"path": "body.opted_out", "message": str(exc)}]
    return ProblemError(422, None, str(exc), extra={"errors": errors, "categories": exc.categories})


PROBLEMS: Mapping[type[Exception], ProblemMapper] = {
    InboxItemNotFound: maps_to(404),
    InvalidOptOut: _invalid_opt_out,
    InvalidCursor: invalid_cursor_problem,
    DeliveryNotFound: maps_to(404),
    DeliveryNotRetryable: maps_to(409, "Delivery not failed"),
}
