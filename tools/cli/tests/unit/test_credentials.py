"""Where the token comes from: given, or a login with a password from stdin, env or a prompt."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest

from switchyard.cli.args import ImportOptions, UsageError
from switchyard.cli.credentials import resolve_token

BASE = ImportOptions(
    file=Path("users.csv"),
    url="http://gw",
    token=None,
    user="ada",
    password_stdin=False,
    dry_run=False,
    notify=True,
    force=False,
    mapping=None,
    errors=10,
    progress=False,
)


class FakeLogin:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    def __call__(self, url: str, user: str, password: str) -> str:
        self.calls.append((url, user, password))
        return f"token-for-{user}"


def no_prompt(_: str) -> str:
    raise AssertionError("prompted")


def test_a_given_token_needs_no_login() -> None:
    login = FakeLogin()

    token = resolve_token(
        replace(BASE, token="t"), env={}, stdin=io.StringIO(), prompt=no_prompt, login=login
    )

    assert token == "t"
    assert login.calls == []


def test_password_from_stdin_wins_over_the_environment() -> None:
    login = FakeLogin()
    options = replace(BASE, password_stdin=True)

    token = resolve_token(
        options,
        env={"SWITCHYARD_PASSWORD": "env"},
        stdin=io.StringIO("s3cret\n"),
        prompt=no_prompt,
        login=login,
    )

    assert token == "token-for-ada"
    assert login.calls == [("http://gw", "ada", "s3cret")]


def test_password_from_the_environment_then_the_prompt() -> None:
    login = FakeLogin()
    prompts: list[str] = []

    def prompt(text: str) -> str:
        prompts.append(text)
        return "typed"

    resolve_token(BASE, env={"SWITCHYARD_PASSWORD": "env"}, stdin=io.StringIO(), prompt=prompt, login=login)
    resolve_token(BASE, env={}, stdin=io.StringIO(), prompt=prompt, login=login)

    assert [call[2] for call in login.calls] == ["env", "typed"]
    assert prompts == ["Password for ada: "]


def test_empty_stdin_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no password"):
        resolve_token(
            replace(BASE, password_stdin=True),
            env={},
            stdin=io.StringIO(""),
            prompt=no_prompt,
            login=FakeLogin(),
        )
