"""Fingerprints of emails and usernames, and the bounded filter the importer keeps them in."""

from __future__ import annotations

import random
import subprocess
import sys

from switchyard.ingest.domain.fingerprints import FILTER_MAX_ITEMS, ClaimFilter, fingerprint


def test_a_fingerprint_is_the_same_in_every_process() -> None:
    # Resumed imports read fingerprints another process stored: no per-process hash seed may enter.
    code = (
        "from switchyard.ingest.domain.fingerprints import fingerprint; print(fingerprint('email', 'a@b.co'))"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert int(other.stdout) == fingerprint("email", "a@b.co")


def test_a_fingerprint_is_a_signed_64_bit_integer_apart_per_field() -> None:
    values = [fingerprint(field, f"person{i}") for field in ("email", "username") for i in range(1000)]

    assert all(-(2**63) <= value < 2**63 for value in values)
    assert len(set(values)) == 2000
    assert fingerprint("email", "same") != fingerprint("username", "same")


def test_the_filter_never_forgets_a_claim_and_rarely_suspects_a_stranger() -> None:
    rng = random.Random(7)
    claimed = [rng.getrandbits(64) - 2**63 for _ in range(100_000)]
    strangers = [rng.getrandbits(64) - 2**63 for _ in range(100_000)]
    seen = ClaimFilter(len(claimed))
    seen.update(claimed)

    assert all(value in seen for value in claimed)
    suspected = sum(value in seen for value in strangers)
    assert suspected < 0.02 * len(strangers), suspected


def test_the_filter_stops_growing_past_its_cap_whatever_the_file() -> None:
    capped = ClaimFilter(FILTER_MAX_ITEMS)

    assert ClaimFilter(10 * FILTER_MAX_ITEMS).size_in_bytes == capped.size_in_bytes
    # ~9.6 bits an item at 1 %: about 19 MB, against 16-32 bytes a row for an exact set.
    assert capped.size_in_bytes < 20 * 1024 * 1024
    assert ClaimFilter(0).size_in_bytes < 4096
