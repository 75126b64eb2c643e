"""Create every catalog topic and every service's dead-letter topic, idempotently.

python -m switchyard.common.messaging.topics --bootstrap-servers HOST:PORT
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Iterable
from typing import Any

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, UnknownTopicOrPartitionError, for_code

from switchyard.common.contracts import catalog_topics
from switchyard.common.messaging.broker import create_admin
from switchyard.common.messaging.settings import KafkaSettings, load_kafka_settings
from switchyard.common.settings import exit_on_settings_error

SERVICES = ("auth", "users", "notifications", "ingest")
PARTITIONS = 3
_VISIBILITY_POLLS = 300
_VISIBILITY_POLL_SECONDS = 0.05

log = structlog.get_logger()


def dead_letter_topic(service: str) -> str:
    """The topic a consuming service moves poison messages to."""
    return f"{service}.dead-letter"


def all_topics(prefix: str = "") -> list[str]:
    """Catalog topics and dead-letter topics, under ``prefix``."""
    names = catalog_topics() + [dead_letter_topic(s) for s in SERVICES]
    return [f"{prefix}{name}" for name in names]


async def ensure_topics(
    settings: KafkaSettings,
    names: Iterable[str],
    *,
    partitions: int = PARTITIONS,
    replication_factor: int = 1,
) -> list[str]:
    """Create those of ``names`` that do not exist yet; returns the ones created."""
    admin = create_admin(settings, client_id="switchyard-topics")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = sorted(set(names) - existing)
        if not missing:
            return []
        response = await admin.create_topics(
            [NewTopic(name, partitions, replication_factor) for name in missing]
        )
        created = []
        for topic, code, *message in response.topic_errors:
            error = for_code(code)
            if not code:
                created.append(topic)
            # Created by someone else since we listed (or not yet visible in metadata): fine too.
            elif error is not TopicAlreadyExistsError:
                raise error(f"cannot create topic {topic}: {message[0] if message else ''}")
        await _wait_until_visible(admin, created)
        return sorted(created)
    finally:
        await admin.close()


async def _wait_until_visible(admin: AIOKafkaAdminClient, topics: list[str]) -> None:
    """Creation returns before metadata shows the topics; clients started right after need them."""
    for _ in range(_VISIBILITY_POLLS):
        descriptions = await admin.describe_topics(topics) if topics else []
        if all(_ready(d) for d in descriptions):
            return
        await asyncio.sleep(_VISIBILITY_POLL_SECONDS)
    raise TimeoutError(f"topics not visible in metadata yet: {topics}")


def _ready(description: dict[str, Any]) -> bool:
    partitions = description["partitions"]
    return not description["error_code"] and bool(partitions) and all(p["leader"] >= 0 for p in partitions)


async def delete_topics(settings: KafkaSettings, names: Iterable[str]) -> None:
    """Delete ``names``, ignoring those that do not exist (tests clean up their prefixed topics)."""
    admin = create_admin(settings, client_id="switchyard-topics")
    await admin.start()
    try:
        response = await admin.delete_topics(sorted(set(names)))
        for topic, code, *_ in response.topic_error_codes:
            if code and for_code(code) is not UnknownTopicOrPartitionError:
                raise for_code(code)(f"cannot delete topic {topic}")
    finally:
        await admin.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m switchyard.common.messaging.topics", description=__doc__.split("\n")[0]
    )
    default_servers = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    parser.add_argument(
        "--bootstrap-servers",
        default=default_servers,
        required=default_servers is None,
        help="HOST:PORT[,HOST:PORT...] (default: $KAFKA_BOOTSTRAP_SERVERS)",
    )
    parser.add_argument("--prefix", default="", help="topic name prefix (default: none)")
    parser.add_argument("--partitions", type=int, default=PARTITIONS)
    parser.add_argument("--replication-factor", type=int, default=1)
    args = parser.parse_args(argv)
    with exit_on_settings_error(parser.prog):
        settings = load_kafka_settings(bootstrap_servers=args.bootstrap_servers, topic_prefix=args.prefix)
    names = all_topics(args.prefix)
    created = asyncio.run(
        ensure_topics(settings, names, partitions=args.partitions, replication_factor=args.replication_factor)
    )
    for name in names:
        print(f"{'created' if name in created else 'exists '} {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
