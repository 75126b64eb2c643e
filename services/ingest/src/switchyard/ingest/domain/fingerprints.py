"""Fingerprints of the emails and usernames an import has taken, and the filter that keeps them in mind.

A fingerprint is XXH3-64 of a normalised email or username, seeded by the field (an email and a
username that read the same do not share one). It is stable across processes, so the fingerprints
an import has claimed live in its database (``import_claims``) and a resumed import goes on from
them; two different people share one with a chance of 2^-64 a pair. (It is not a cryptographic
hash: someone could make two addresses share one on purpose, and so only get a row of their own
file refused.)

In memory the importer keeps only a Bloom filter of them (:class:`ClaimFilter`), whose size does
not grow past :data:`FILTER_MAX_ITEMS`'s worth whatever the file's length: it answers "certainly not
claimed" for almost every new fingerprint, and only the rest are looked up in the database. An exact
set in memory took 32-64 bytes a row and, for a 200 MB file of short rows, more memory than the
service has.
"""

from __future__ import annotations

from collections.abc import Iterable

from rbloom import Bloom
from xxhash import xxh3_64_intdigest

# The filter is sized for the file (two fingerprints a row) up to this many items (~19 MB at 1 %);
# past it the share of fingerprints looked up in the database rises, not the memory.
FILTER_MAX_ITEMS = 16_000_000
# Of the fingerprints not claimed, the share the filter calls "maybe" (each costs a lookup), while
# it holds no more than it was sized for; at twice that about 13 %, at four times 60 %.
FILTER_FALSE_POSITIVES = 0.01
_MIN_ITEMS = 1024
# One seed per field; any fixed values do, as long as they never change (claims are stored).
_SEEDS = {"email": 0x656D_6169_6C00_0001, "username": 0x7573_6572_6E00_0002}
_SIGN = 1 << 63


def fingerprint(field: str, value: str) -> int:
    """``value``'s fingerprint as ``field`` (``email`` or ``username``): a signed 64-bit integer."""
    return (xxh3_64_intdigest(value.encode(), seed=_SEEDS[field]) ^ _SIGN) - _SIGN


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
