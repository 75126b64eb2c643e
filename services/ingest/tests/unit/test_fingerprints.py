"""The flat fingerprint set behind duplicate detection: a set's behaviour at a fraction of its memory."""

from __future__ import annotations

import random
import tracemalloc

from switchyard.ingest.domain.fingerprints import FingerprintSet


def test_it_answers_like_a_set_through_many_growths() -> None:
    rng = random.Random(7)
    values = [rng.getrandbits(64) - 2**63 for _ in range(50_000)]
    fingerprints, reference = FingerprintSet(), set()
    for value in values[:25_000]:
        fingerprints.add(value)
        reference.add(value)
    fingerprints.add(values[0])  # again: no second entry

    assert len(fingerprints) == len(reference) == 25_000
    assert all(value in fingerprints for value in values[:25_000])
    assert not any(value in fingerprints for value in values[25_000:])


def test_zero_and_one_are_values_like_any_other_bar_sharing_a_slot() -> None:
    fingerprints = FingerprintSet()
    assert 0 not in fingerprints
    fingerprints.add(0)
    assert 0 in fingerprints
    assert len(fingerprints) == 1


def test_a_million_fingerprints_fit_in_a_fraction_of_what_a_set_needs() -> None:
    tracemalloc.start()
    try:
        fingerprints = FingerprintSet(1_000_000)
        for value in range(1, 1_000_001):
            fingerprints.add(value * 0x9E3779B97F4A7C15 % 2**63)
        flat = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert len(fingerprints) == 1_000_000
    # 2^21 slots of 8 bytes; a set of a million ints holds ~60 MB.
    assert flat < 20 * 1024 * 1024, flat
