"""`python -m switchyard.auth` refuses a bad setting with one line naming it."""

from __future__ import annotations

import pytest

from switchyard.common.testing import run_service_module

ADMIN = {"AUTH_BOOTSTRAP_ADMIN_EMAIL": "admin@example.com"}


@pytest.mark.parametrize(
    ("variable", "environment"),
    [
        ("HTTP_PORT", {"HTTP_PORT": "abc"}),
        ("KAFKA_BOOTSTRAP_SERVERS", {"KAFKA_BOOTSTRAP_SERVERS": None}),
        ("AUTH_PASSWORD_MIN_LENGTH", {"AUTH_PASSWORD_MIN_LENGTH": "7"}),
        ("AUTH_ACCESS_TOKEN_TTL_S", {"AUTH_ACCESS_TOKEN_TTL_S": "0"}),
        # auth would refuse this password from a user, so it refuses it from the operator.
        ("AUTH_BOOTSTRAP_ADMIN_PASSWORD", {**ADMIN, "AUTH_BOOTSTRAP_ADMIN_PASSWORD": "admin"}),
        (
            "AUTH_BOOTSTRAP_ADMIN_EMAIL",
            {"AUTH_BOOTSTRAP_ADMIN_EMAIL": "not-an-email", "AUTH_BOOTSTRAP_ADMIN_PASSWORD": "x"},
        ),
    ],
)
def test_bad_setting_exits_non_zero_with_one_line_naming_it(
    variable: str, environment: dict[str, str | None]
) -> None:
    result = run_service_module("auth", environment)

    assert result.returncode != 0
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"switchyard-auth: bad setting {variable}:"), line
