"""`python -m switchyard.notifications` refuses a bad setting with one line naming it."""

from __future__ import annotations

import pytest

from switchyard.common.testing import run_service_module


@pytest.mark.parametrize(
    ("variable", "environment"),
    [
        ("HTTP_PORT", {"HTTP_PORT": "abc"}),
        ("KAFKA_BOOTSTRAP_SERVERS", {"KAFKA_BOOTSTRAP_SERVERS": None}),
        ("SMTP_PORT", {"SMTP_PORT": "0"}),
        # A base above the ceiling would make every retry raise instead of waiting.
        (
            "NOTIFICATIONS_RETRY_BASE_S",
            {"NOTIFICATIONS_RETRY_BASE_S": "600", "NOTIFICATIONS_RETRY_MAX_S": "300"},
        ),
    ],
)
def test_bad_setting_exits_non_zero_with_one_line_naming_it(
    variable: str, environment: dict[str, str | None]
) -> None:
    result = run_service_module("notifications", environment)

    assert result.returncode != 0
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"switchyard-notifications: bad setting {variable}:"), line
