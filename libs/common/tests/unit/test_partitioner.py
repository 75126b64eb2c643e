"""Our key partitioner picks the partition aiokafka's (and so the Java client's) default picks."""

from __future__ import annotations

import random
import uuid

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as aiokafka_murmur2

from switchyard.common.messaging.partitioner import key_partitioner, murmur2


def test_murmur2_equals_aiokafkas_for_every_length_and_content():
    rng = random.Random(20261126)
    keys = [rng.randbytes(length) for length in range(300) for _ in range(10)]
    keys += [b"", b"\x00", b"\xff" * 7, str(uuid.UUID(int=0)).encode(), "Zoë".encode()]
    assert [murmur2(key) for key in keys] == [aiokafka_murmur2(key) for key in keys]


def test_known_values_of_the_java_client():
    # org.apache.kafka.common.utils.UtilsTest.testMurmur2 (as signed ints there).
    assert murmur2(b"21") == -973932308 & 0xFFFF_FFFF
    assert murmur2(b"foobar") == -790332482 & 0xFFFF_FFFF
    assert murmur2(b"a-little-bit-long-string") == -985981536 & 0xFFFF_FFFF
    assert murmur2(b"a-little-bit-longer-string") == -1486304829 & 0xFFFF_FFFF
    assert murmur2(b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8") == -58897971 & 0xFFFF_FFFF


def test_a_keyed_record_goes_where_the_default_partitioner_sends_it():
    default = DefaultPartitioner()
    for count in (1, 3, 6, 7, 64):
        partitions = list(range(count))
        for _ in range(200):
            key = str(uuid.uuid4()).encode()
            assert key_partitioner(key, partitions, partitions) == default(key, partitions, partitions)


def test_a_record_without_key_goes_to_an_available_partition():
    assert {key_partitioner(None, [0, 1, 2], [2]) for _ in range(20)} == {2}
    assert key_partitioner(None, [0, 1, 2], []) in {0, 1, 2}
