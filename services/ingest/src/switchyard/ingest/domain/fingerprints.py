"""Fingerprints of the emails and usernames an import has taken, and the filter that keeps them in mind.

A fingerprint is the first 8 bytes of BLAKE2b over a normalised email or username, personalised by
the field (an email and a username that read the same never share one). It is stable across
processes, so the fingerprints an import has claimed live in its database (``import_claims``) and
a resumed import goes on from them; two different people share one with a chance of 2^-64 a pair.

In memory the importer keeps only a Bloom filter of them (:class:`ClaimFilter`), whose size does
not grow past :data:`FILTER_MAX_ITEMS`'s worth whatever the file's length: it answers "certainly not
claimed" for almost every new fingerprint, and only the rest are looked up in the database. An exact
set in memory took 16-32 bytes a row and, for a 200 MB file of short rows, more memory than the
service has.
"""

from __future__ import annotations

from collections.abc import Iterable
from hashlib import blake2b

from rbloom import Bloom

# The filter is sized for the file (two fingerprints a row) up to this many items (~19 MB at 1 %);
# past it the share of fingerprints looked up in the database rises, not the memory.
FILTER_MAX_ITEMS = 16_000_000
# Of the fingerprints not claimed, the share the filter calls "maybe" (each costs a lookup).
FILTER_FALSE_POSITIVES = 0.01
_MIN_ITEMS = 1024


def fingerprint(field: str, value: str) -> int:
    """``value``'s fingerprint as ``field`` (``email`` or ``username``): a signed 64-bit integer."""
    digest = blake2b(value.encode(), digest_size=8, person=field.encode()).digest()
    return int.from_bytes(digest, "big", signed=True)


class ClaimFilter:
    """Which fingerprints may have been claimed: never a false "no", rarely a false "maybe"."""

    def __init__(self, expected: int = 0) -> None:
        items = min(max(expected, _MIN_ITEMS), FILTER_MAX_ITEMS)
        self._bloom = Bloom(items, FILTER_FALSE_POSITIVES)

    @property
    def size_in_bytes(self) -> int:
        return int(self._bloom.size_in_bits) // 8

    def __contains__(self, fingerprint: int) -> bool:
        return fingerprint in self._bloom

    def update(self, fingerprints: Iterable[int]) -> None:
        self._bloom.update(fingerprints)
