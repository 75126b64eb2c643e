"""`switchyard import` as a user runs it: the installed command, against the running stack's gateway."""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path

import pytest

from switchyard.common.testing.gateway import Gateway

pytestmark = pytest.mark.e2e

COMMAND = Path(sys.executable).with_name("switchyard")


async def _run(gateway: Gateway, *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        str(COMMAND),
        "import",
        *args,
        "--url",
        gateway.url,
        "--user",
        gateway.admin_email,
        "--password-stdin",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    output, _ = await asyncio.wait_for(process.communicate(gateway.admin_password.encode() + b"\n"), 180)
    return int(process.returncode or 0), output.decode()


async def test_an_import_with_bad_rows_prints_the_summary_and_the_first_errors_and_exits_1(
    gateway: Gateway, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    generated = await _run(gateway, "--generate", "500", str(path), "--bad-share", "0.02")
    assert generated[0] == 0, generated[1]

    code, output = await _run(gateway, str(path), "--no-notify", "--errors", "3")

    assert code == 1, output
    assert "completed" in output
    # 500 rows, 2% bad: 490 succeeded, 10 failed.
    assert "490" in output
    assert "10" in output
    assert "Not a valid email address." in output or "required" in output, output


async def test_a_clean_import_exits_0_and_a_file_that_is_not_csv_exits_2(
    gateway: Gateway, tmp_path: Path
) -> None:
    name = f"cli{uuid.uuid4().hex[:10]}"
    clean = tmp_path / "clean.csv"
    clean.write_text(f"email,username\n{name}@example.com,{name}\n")
    code, output = await _run(gateway, str(clean), "--no-notify")
    assert code == 0, output

    binary = tmp_path / "sheet.csv"
    binary.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    code, output = await _run(gateway, str(binary))
    assert code == 2, output
    assert "Not a CSV file" in output, output
