"""Which client request ids are echoed and when a new one is made."""

from __future__ import annotations

import pytest

from switchyard.common.http.request_context import resolve_request_id


@pytest.mark.parametrize(
    "candidate",
    ["abc", "0f8c2b1e-5d8a-4c63-9d7a-1b2c3d4e5f60", "req_01.HX:42", "a" * 128],
)
def test_sane_request_id_is_kept(candidate: str) -> None:
    assert resolve_request_id(candidate) == candidate


@pytest.mark.parametrize(
    "candidate",
    [None, "", "a" * 129, "has space", "line\nbreak", "<script>", "-leading-dash", "ünïcode", "x;y"],
)
def test_insane_request_id_is_replaced(candidate: str | None) -> None:
    resolved = resolve_request_id(candidate)

    assert resolved != candidate
    assert len(resolved) == 32
    assert int(resolved, 16) >= 0


def test_generated_request_ids_are_unique() -> None:
    assert len({resolve_request_id(None) for _ in range(100)}) == 100
