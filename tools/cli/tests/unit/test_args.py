"""Command-line parsing into options, and main() as an in-process call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from switchyard.cli.__main__ import main, print_api_error
from switchyard.cli.api import ApiError
from switchyard.cli.args import DEFAULT_URL, GenerateOptions, ImportOptions, UsageError, parse_args


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "users.csv"
    path.write_text("email,username,full_name,role\n", encoding="utf-8")
    return path


def parse_import(argv: list[str], env: dict[str, str] | None = None) -> ImportOptions:
    options = parse_args(argv, env or {})
    assert isinstance(options, ImportOptions)
    return options


def test_import_defaults(csv_file: Path) -> None:
    options = parse_import(["import", str(csv_file), "--token", "t0k"])

    assert options == ImportOptions(
        file=csv_file,
        url=DEFAULT_URL,
        token="t0k",
        user=None,
        password_stdin=False,
        dry_run=False,
        notify=True,
        force=False,
        mapping=None,
        errors=10,
        progress=True,
    )


def test_import_flags(csv_file: Path) -> None:
    argv = ["import", str(csv_file), "--token", "t", "--dry-run", "--no-notify", "--force"]
    options = parse_import([*argv, "--errors", "3", "--no-progress", "--url", "http://gw:9000"])

    assert (options.dry_run, options.notify, options.force) == (True, False, True)
    assert (options.errors, options.progress, options.url) == (3, False, "http://gw:9000")


def test_url_and_token_come_from_the_environment(csv_file: Path) -> None:
    env = {"SWITCHYARD_URL": "http://env:1", "SWITCHYARD_TOKEN": "env-token"}

    options = parse_import(["import", str(csv_file)], env)

    assert (options.url, options.token) == ("http://env:1", "env-token")


def test_explicit_user_wins_over_an_environment_token(csv_file: Path) -> None:
    options = parse_import(
        ["import", str(csv_file), "--user", "ada", "--password-stdin"], {"SWITCHYARD_TOKEN": "x"}
    )

    assert (options.token, options.user, options.password_stdin) == (None, "ada", True)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "no credentials"),
        (["--token", "t", "--password-stdin"], "--password-stdin needs --user"),
        (["--token", "t", "--mapping", "[1, 2]"], "must be a JSON object"),
        (["--token", "t", "--mapping", "{nope"], "not valid JSON"),
        (["--token", "t", "--mapping", "@/nonexistent/map.json"], "cannot read mapping file"),
    ],
)
def test_usage_errors(csv_file: Path, extra: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_args(["import", str(csv_file), *extra], {})


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        parse_args(["import", str(tmp_path / "nope.csv"), "--token", "t"], {})


@pytest.mark.parametrize(
    "extra", [["--token", "a", "--user", "b"], ["--errors", "-1"], ["--generate", "5", "--bad-share", "0.9"]]
)
def test_malformed_command_lines_exit_2(csv_file: Path, extra: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        parse_args(["import", str(csv_file), *extra], {})

    assert exc.value.code == 2


def test_mapping_inline_and_from_file(csv_file: Path, tmp_path: Path) -> None:
    mapping_file = tmp_path / "map.json"
    mapping_file.write_text('{"E-Mail": "email", "Name": "full_name"}', encoding="utf-8")

    inline = parse_import(["import", str(csv_file), "--token", "t", "--mapping", '{"Mail": "email"}'])
    from_file = parse_import(["import", str(csv_file), "--token", "t", "--mapping", f"@{mapping_file}"])

    assert inline.mapping is not None
    assert json.loads(inline.mapping) == {"Mail": "email"}
    assert from_file.mapping is not None
    assert json.loads(from_file.mapping) == {"E-Mail": "email", "Name": "full_name"}


def test_generate_options_need_no_credentials(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"

    options = parse_args(
        ["import", "--generate", "100", str(target), "--seed", "7", "--bad-share", "0.1"], {}
    )

    assert options == GenerateOptions(file=target, rows=100, bad_share=0.1, seed=7, domain="example.test")


def test_generate_rejects_a_domain_without_a_dot(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--domain"):
        parse_args(["import", "--generate", "1", str(tmp_path / "o.csv"), "--domain", "localhost"], {})


def test_main_returns_exit_codes_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "gen.csv"

    assert main(["--help"]) == 0
    assert main(["import", str(tmp_path / "missing.csv"), "--token", "t"]) == 2
    assert main(["import", "--generate", "40", str(target), "--seed", "1"]) == 0
    assert target.read_text(encoding="utf-8").count("\n") == 41
    assert "Wrote 40 rows" in capsys.readouterr().out


def test_api_errors_print_title_detail_and_each_message() -> None:
    console = Console(record=True, width=120, force_terminal=False)

    print_api_error(
        console, ApiError(422, "Unprocessable file", "Bad header.", ["header: no [email] column"])
    )

    assert console.export_text().splitlines() == [
        "Unprocessable file: Bad header.",
        "  - header: no [email] column",
    ]
