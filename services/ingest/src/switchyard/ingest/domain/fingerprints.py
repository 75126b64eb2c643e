"""A set of 64-bit fingerprints in a flat array: 8-16 bytes an entry, where a ``set`` of ints takes ~60.

An import of millions of rows remembers two fingerprints a row (email, username) to find
duplicates; as Python ints in a ``set`` that alone would cost ingest over 100 MB per million rows.
Open addressing with linear probing over an ``array('q')``, kept at most half full; 0 marks an
empty slot, so a fingerprint of 0 is stored as 1 (a collision chance of 2^-64 more).
"""

from __future__ import annotations

from array import array

_MIN_SLOTS = 1024


class FingerprintSet:
    def __init__(self, expected: int = 0) -> None:
        slots = _MIN_SLOTS
        while slots < 2 * expected:
            slots *= 2
        self._slots = array("q", [0]) * slots
        self._mask = slots - 1
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __contains__(self, fingerprint: int) -> bool:
        value = fingerprint or 1
        return self._slots[self._slot_of(value)] == value

    def add(self, fingerprint: int) -> None:
        value = fingerprint or 1
        index = self._slot_of(value)
        if self._slots[index] == 0:
            self._slots[index] = value
            self._count += 1
            if 2 * self._count > len(self._slots):
                self._grow()

    def _slot_of(self, value: int) -> int:
        """The slot holding ``value``, or the empty one where it would go."""
        slots, mask = self._slots, self._mask
        index = value & mask
        while (found := slots[index]) != value and found != 0:
            index = (index + 1) & mask
        return index

    def _grow(self) -> None:
        old = self._slots
        self._slots = array("q", [0]) * (2 * len(old))
        self._mask = 2 * len(old) - 1
        self._count = 0
        for value in old:
            if value:
                self.add(value)
