"""`python -m switchyard.users` refuses a bad setting with one line naming it."""

from __future__ import annotations

import pytest

from switchyard.common.testing import run_service_module


@pytest.mark.parametrize(("variable", "value"), [("HTTP_PORT", "abc"), ("KAFKA_BOOTSTRAP_SERVERS", None)])
def test_bad_setting_exits_non_zero_with_one_line_naming_it(variable: str, value: str | None) -> None:
    result = run_service_module("users", {variable: value})

    assert result.returncode != 0
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"switchyard-users: bad setting {variable}:"), line
