"""Throwaway PostgreSQL, Kafka and Redis containers, for machines with Docker but no local stack.

Used only when a Docker engine answers and ``testcontainers[postgres,kafka,redis]`` is installed
(it is not a dependency of the workspace: install it yourself to use this path). The containers
live for the test session. The images match the local stack's major versions.
"""

from __future__ import annotations

from contextlib import ExitStack

from switchyard.common.testing.infrastructure import Infrastructure

POSTGRES_IMAGE = "postgres:15-alpine"
KAFKA_IMAGE = "confluentinc/cp-kafka:7.6.0"
REDIS_IMAGE = "redis:7-alpine"


def start_containers(stack: ExitStack) -> Infrastructure:
    """Start the three containers; ``stack`` stops them."""
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer
    from testcontainers.redis import RedisContainer

    postgres = stack.enter_context(PostgresContainer(POSTGRES_IMAGE, driver="asyncpg"))
    kafka = stack.enter_context(KafkaContainer(KAFKA_IMAGE).with_kraft())
    redis = stack.enter_context(RedisContainer(REDIS_IMAGE))
    return Infrastructure(
        database_url=postgres.get_connection_url(),
        kafka_bootstrap=kafka.get_bootstrap_server(),
        redis_url=f"redis://{redis.get_container_host_ip()}:{redis.get_exposed_port(6379)}/0",
        source="testcontainers",
    )
