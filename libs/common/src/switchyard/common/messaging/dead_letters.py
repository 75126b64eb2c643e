"""Inspect and replay a service's dead-letter topic.

    python -m switchyard.common.messaging.dead_letters list --service NAME
    python -m switchyard.common.messaging.dead_letters replay --service NAME --offset N [--partition P]

Kafka is read from ``--bootstrap-servers`` or ``KAFKA_BOOTSTRAP_SERVERS``, and how to reach it
from the other ``KAFKA_*`` variables, as in a service (``KAFKA_SECURITY_PROTOCOL``,
``KAFKA_SASL_*``, ``KAFKA_SSL_CAFILE``; see docs/operations.md). A replay
republishes the original bytes, key and headers to the original topic; consumers that
already processed the event skip it, the failed one gets another chance.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import msgspec
from aiokafka import ConsumerRecord

from switchyard.common.messaging import dead_letter_publisher as dl
from switchyard.common.messaging.broker import create_producer
from switchyard.common.messaging.settings import KafkaSettings, load_kafka_settings
from switchyard.common.messaging.topic_reader import read_topic
from switchyard.common.messaging.topics import dead_letter_topic
from switchyard.common.settings import exit_on_settings_error

REPLAYED_FROM = "x-replayed-from"
PROG = "python -m switchyard.common.messaging.dead_letters"


class DeadLetter(msgspec.Struct, frozen=True):
    """One record of a dead-letter topic, with its provenance decoded."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]

    @property
    def original_topic(self) -> str:
        return self.headers.get(dl.ORIGINAL_TOPIC, "")

    def describe(self) -> str:
        h = self.headers
        return (
            f"{self.partition}:{self.offset}  {self.original_topic}"
            f"[{h.get(dl.ORIGINAL_PARTITION)}]@{h.get(dl.ORIGINAL_OFFSET)}"
            f"  key={h.get(dl.ORIGINAL_KEY)}  {h.get(dl.ERROR_CLASS)}: {h.get(dl.ERROR_MESSAGE)}"
            f"  (consumer {h.get(dl.CONSUMER)}, at {h.get(dl.DEAD_LETTERED_AT)})"
        )


def _dead_letter(record: ConsumerRecord[bytes, bytes]) -> DeadLetter:
    headers = {name: value.decode(errors="replace") for name, value in record.headers}
    return DeadLetter(record.partition, record.offset, record.key, record.value or b"", headers)


async def list_dead_letters(settings: KafkaSettings, service: str) -> list[DeadLetter]:
    """Every record currently in ``service``'s dead-letter topic, by partition then offset."""
    records = await read_topic(settings, settings.topic(dead_letter_topic(service)))
    return [_dead_letter(record) for record in records]


async def replay(
    settings: KafkaSettings, service: str, *, offset: int, partition: int | None = None
) -> DeadLetter:
    """Republish the dead letter at ``offset`` (in ``partition``, if several hold that offset)."""
    matches = [
        d
        for d in await list_dead_letters(settings, service)
        if d.offset == offset and partition in (None, d.partition)
    ]
    if len(matches) != 1:
        where = ", ".join(f"{d.partition}:{d.offset}" for d in matches) or "none"
        raise LookupError(f"offset {offset} must match exactly one dead letter (matches: {where})")
    letter = matches[0]
    headers = [(k, v.encode()) for k, v in letter.headers.items() if not k.startswith(dl.OWN_HEADER_PREFIX)]
    headers.append(
        (REPLAYED_FROM, f"{dead_letter_topic(service)}:{letter.partition}:{letter.offset}".encode())
    )
    producer = create_producer(settings, client_id=f"{service}-dead-letter-replay")
    await producer.start()
    try:
        await producer.send_and_wait(letter.original_topic, letter.value, key=letter.key, headers=headers)
    finally:
        await producer.stop()
    return letter


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    parser.add_argument("--bootstrap-servers", help="default: $KAFKA_BOOTSTRAP_SERVERS")
    parser.add_argument("--prefix", help="topic prefix (default: $KAFKA_TOPIC_PREFIX or none)")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="print every dead letter of a service")
    listing.add_argument("--service", required=True)
    replaying = commands.add_parser("replay", help="republish one dead letter to its original topic")
    replaying.add_argument("--service", required=True)
    replaying.add_argument("--offset", type=int, required=True)
    replaying.add_argument("--partition", type=int)
    args = parser.parse_args(argv)
    settings = _settings(args.bootstrap_servers, args.prefix)
    try:
        if args.command == "list":
            for letter in asyncio.run(list_dead_letters(settings, args.service)):
                print(letter.describe())
        else:
            letter = asyncio.run(replay(settings, args.service, offset=args.offset, partition=args.partition))
            print(f"replayed {letter.partition}:{letter.offset} to {letter.original_topic}")
    except LookupError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    return 0


def _settings(bootstrap_servers: str | None, prefix: str | None) -> KafkaSettings:
    with exit_on_settings_error(PROG):
        return load_kafka_settings(bootstrap_servers=bootstrap_servers, topic_prefix=prefix)


if __name__ == "__main__":
    raise SystemExit(main())
