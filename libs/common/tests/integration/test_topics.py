"""Topic creation against the real broker: every catalog and dead-letter topic, 3 partitions, idempotent."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator

import pytest

from switchyard.common.contracts import catalog_topics
from switchyard.common.messaging import KafkaSettings, all_topics, ensure_topics
from switchyard.common.messaging.topic_reader import topic_partitions
from switchyard.common.messaging.topics import delete_topics

pytestmark = pytest.mark.integration


@pytest.fixture
async def fresh_prefix(messaging_kafka: KafkaSettings) -> AsyncIterator[KafkaSettings]:
    """Settings whose prefix has no topics yet; whatever the test creates is deleted."""
    settings = KafkaSettings(
        bootstrap_servers=messaging_kafka.bootstrap_servers, topic_prefix=f"t{uuid.uuid4().hex[:10]}-"
    )
    yield settings
    await delete_topics(settings, all_topics(settings.topic_prefix))


async def test_ensure_topics_creates_what_is_missing_once(fresh_prefix: KafkaSettings):
    names = all_topics(fresh_prefix.topic_prefix)

    assert sorted(await ensure_topics(fresh_prefix, names)) == sorted(names)
    assert await ensure_topics(fresh_prefix, names) == []
    for name in names:
        assert len(await topic_partitions(fresh_prefix, name)) == 3


async def test_command_creates_catalog_and_dead_letter_topics(fresh_prefix: KafkaSettings):
    async def run() -> str:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "switchyard.common.messaging.topics",
            "--bootstrap-servers", fresh_prefix.bootstrap_servers, "--prefix", fresh_prefix.topic_prefix,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await process.communicate()
        assert process.returncode == 0, err.decode()
        return out.decode()

    first, second = await run(), await run()

    prefix = fresh_prefix.topic_prefix
    for topic in [*catalog_topics(), "users.dead-letter", "notifications.dead-letter"]:
        assert f"created {prefix}{topic}" in first
        assert f"exists  {prefix}{topic}" in second
    assert len(await topic_partitions(fresh_prefix, f"{prefix}users.dead-letter")) == 3
