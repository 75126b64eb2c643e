"""Kafka's default key partitioning (murmur2 of the key bytes), at half the cost of aiokafka's.

Every producer of ours picks a record's partition the way the Java client does, so records
with one key land on one partition whoever produced them: ``murmur2(key) & 0x7fffffff``
modulo the partition count. aiokafka's ``murmur2`` reads the key a byte at a time and masks
after every step; this one reads it as little-endian 32-bit words (``struct``) and masks only
where a product can pass 32 bits. It gives the same hash for every input (a unit test compares
the two), in half the time: the import path partitions a million keys per service.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable, Sequence

_SEED = 0x9747B28C
_M = 0x5BD1E995
_MASK = 0xFFFF_FFFF
_WORDS: list[Callable[[bytes], tuple[int, ...]]] = [
    struct.Struct(f"<{count}I").unpack_from for count in range(64)
]


def murmur2(data: bytes) -> int:
    """MurmurHash2 of ``data`` as Kafka's ``Utils.murmur2`` computes it, as an unsigned 32-bit int."""
    length = len(data)
    h = _SEED ^ length
    count = length >> 2
    words = _WORDS[count](data) if count < len(_WORDS) else struct.unpack_from(f"<{count}I", data)
    for k in words:
        k = (k * _M) & _MASK
        k = ((k ^ (k >> 24)) * _M) & _MASK
        h = ((h * _M) & _MASK) ^ k
    rest = length & 3
    if rest:
        tail = length & ~3
        if rest == 3:
            h ^= data[tail + 2] << 16
        if rest >= 2:
            h ^= data[tail + 1] << 8
        h = ((h ^ data[tail]) * _M) & _MASK
    h = ((h ^ (h >> 13)) * _M) & _MASK
    return h ^ (h >> 15)


def key_partitioner(key: bytes | None, all_partitions: Sequence[int], available: Sequence[int]) -> int:
    """aiokafka's ``partitioner`` interface, with the Java client's choice for a keyed record."""
    if key is None:
        return random.choice(available or all_partitions)
    return all_partitions[(murmur2(key) & 0x7FFF_FFFF) % len(all_partitions)]
