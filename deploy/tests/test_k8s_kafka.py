"""The Kafka resources of deploy/k8s cannot drift from the code.

Each service's composition root is run (nothing connects) and its FastStream broker asked what it
publishes (the events it declares it produces, i.e. what its outbox or row sender writes) and what it
subscribes to, under which consumer group. KafkaTopic, KafkaUser ACLs and the KEDA lag triggers
must say the same.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from deploy.local import k8s_tools
from deploy.tests.k8s_manifests import Resource, container_of, env_of, named, of_kind, render_overlays
from switchyard.common.messaging.topics import PARTITIONS, SERVICES, all_topics, dead_letter_topic
from switchyard.common.runtime import ServiceRuntime
from switchyard.common.runtime.settings import PruningSettings, load_service_settings

# Enough to build a runtime; nothing is contacted.
OFFLINE_ENV = {
    "DATABASE_URL": "postgresql+asyncpg://nobody:nothing@127.0.0.1:9/none",
    "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",
    "REDIS_URL": "redis://127.0.0.1:9/0",
}


@dataclass(frozen=True)
class Declared:
    """What one service's code publishes and consumes."""

    publishes: frozenset[str]
    consumes: frozenset[tuple[str, str]]  # (topic, consumer group)


def _declared(service: str, monkeypatch: pytest.MonkeyPatch) -> Declared:
    bootstrap = importlib.import_module(f"switchyard.{service}.bootstrap")
    built: list[ServiceRuntime] = []
    real_build = bootstrap.build_runtime

    def build_runtime(*args: Any, **kwargs: Any) -> ServiceRuntime:
        built.append(real_build(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(bootstrap, "build_runtime", build_runtime)
    bootstrap.bootstrap(load_service_settings(OFFLINE_ENV))
    # Kafka's subscribers and publishers, typed by FastStream as their broker-neutral bases.
    subscribers: list[Any] = list(built[0].broker.subscribers)
    publishers: list[Any] = list(built[0].broker.publishers)
    consumes = {(topic, s.group_id) for s in subscribers for topic in s.topic_names}
    return Declared(frozenset(p.topic for p in publishers), frozenset(consumes))


@pytest.fixture(scope="module")
def declared() -> Iterator[dict[str, Declared]]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield {service: _declared(service, monkeypatch) for service in SERVICES}


@pytest.fixture(scope="module")
def overlays() -> dict[str, list[Resource]]:
    return render_overlays()


def _acl_topics(user: Resource, operation: str) -> set[str]:
    return {
        acl["resource"]["name"]
        for acl in user["spec"]["authorization"]["acls"]
        if acl["resource"]["type"] == "topic" and operation in acl["operations"]
    }


def _acl_groups(user: Resource, operation: str) -> list[dict[str, str]]:
    acls = user["spec"]["authorization"]["acls"]
    return [a["resource"] for a in acls if a["resource"]["type"] == "group" and operation in a["operations"]]


def _group_allowed(resources: list[dict[str, str]], group: str) -> bool:
    return any(
        group.startswith(r["name"]) if r.get("patternType") == "prefix" else group == r["name"]
        for r in resources
    )


def test_every_service_is_seen_publishing_or_consuming(declared):
    """The capture works: each service subscribes, and producers declare their events."""
    assert all(d.consumes for d in declared.values())
    assert declared["auth"].publishes
    assert declared["users"].publishes
    assert declared["ingest"].publishes


@pytest.mark.parametrize("overlay", k8s_tools.OVERLAYS)
def test_kafka_topics_are_exactly_the_codes(overlays, overlay):
    topics = of_kind(overlays[overlay], "KafkaTopic")
    assert sorted(t["metadata"]["name"] for t in topics) == sorted(all_topics())
    assert {t["spec"]["partitions"] for t in topics} == {PARTITIONS}
    assert {t["metadata"]["labels"]["strimzi.io/cluster"] for t in topics} == {"switchyard-kafka"}


@pytest.mark.parametrize("overlay", k8s_tools.OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_a_service_writes_only_its_own_topics_and_reads_what_it_consumes(
    overlays, declared, overlay, service
):
    user = named(overlays[overlay], "KafkaUser", f"switchyard-{service}")
    assert user["spec"]["authentication"] == {"type": "scram-sha-512"}
    code = declared[service]
    assert _acl_topics(user, "Write") == set(code.publishes) | {dead_letter_topic(service)}
    assert all(topic.startswith(f"{service}.") for topic in _acl_topics(user, "Write"))
    assert _acl_topics(user, "Read") == {topic for topic, _group in code.consumes}
    groups = _acl_groups(user, "Read")
    assert all(_group_allowed(groups, group) for _topic, group in code.consumes)
    others = [g for s in SERVICES if s != service for _t, g in declared[s].consumes]
    assert not any(_group_allowed(groups, group) for group in others), "may join another service's group"
    assert not [a for a in user["spec"]["authorization"]["acls"] if a.get("type") == "deny"]


@pytest.mark.parametrize("overlay", k8s_tools.OVERLAYS)
def test_only_the_services_and_keda_have_kafka_users(overlays, overlay):
    names = {u["metadata"]["name"] for u in of_kind(overlays[overlay], "KafkaUser")}
    assert names == {f"switchyard-{s}" for s in SERVICES} | {"switchyard-keda"}


@pytest.mark.parametrize("overlay", k8s_tools.OVERLAYS)
def test_keda_scales_each_service_on_the_lag_of_each_of_its_groups(overlays, declared, overlay):
    resources = overlays[overlay]
    keda = named(resources, "KafkaUser", "switchyard-keda")
    assert not _acl_topics(keda, "Read")
    assert not _acl_topics(keda, "Write")
    for service in SERVICES:
        scaled = named(resources, "ScaledObject", service)
        assert scaled["spec"]["scaleTargetRef"]["name"] == service
        kafka = [t for t in scaled["spec"]["triggers"] if t["type"] == "kafka"]
        lag = {(t["metadata"]["topic"], t["metadata"]["consumerGroup"]) for t in kafka}
        assert lag == set(declared[service].consumes)
        assert {t["authenticationRef"]["name"] for t in kafka} == {"kafka-lag"}
        for topic, group in lag:
            assert topic in _acl_topics(keda, "Describe")
            assert _group_allowed(_acl_groups(keda, "Describe"), group)
        assert any(t["type"] == "cpu" for t in scaled["spec"]["triggers"]), "HTTP load scales it too"


@pytest.mark.parametrize("overlay", k8s_tools.OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_each_service_logs_in_as_its_own_kafka_user(overlays, overlay, service):
    resources = overlays[overlay]
    container = container_of(resources, service)
    settings = env_of(resources, container)
    assert settings["KAFKA_SASL_USERNAME"] == f"switchyard-{service}"
    (password,) = [e for e in container["env"] if e["name"] == "KAFKA_SASL_PASSWORD"]
    assert password["valueFrom"]["secretKeyRef"] == {"name": f"switchyard-{service}", "key": "password"}


# Kafka's own defaults (log.retention.hours=168, log.roll.hours=168) for what the manifests leave unset.
_HOUR_MS = 3600 * 1000
_DAY_MS = 24 * _HOUR_MS


def _longest_stay_ms(topic: Resource, broker: dict[str, Any]) -> int:
    """How long a record can stay in ``topic``: its retention, plus the age of the newest record of
    its segment (Kafka deletes a segment once that one is past retention, and rolls a segment after
    ``segment.ms``)."""
    config = topic["spec"].get("config", {})
    retention = int(config.get("retention.ms", int(broker.get("log.retention.hours", 168)) * _HOUR_MS))
    roll = int(config.get("segment.ms", int(broker.get("log.roll.hours", 168)) * _HOUR_MS))
    assert retention > 0, f"{topic['metadata']['name']} keeps its records for ever"
    return retention + roll


@pytest.mark.parametrize("overlay", k8s_tools.OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_processed_events_outlive_every_copy_an_event_can_come_again_as(overlays, overlay, service):
    # The longest a copy can come: it stays in its topic (a consumer lagging or reset), is then
    # dead-lettered and stays there, is replayed to its topic and stays there again. A consumer's
    # record of it must still be there, or the copy is applied twice (docs/operations.md, "Pruning").
    resources = overlays[overlay]
    broker = named(resources, "Kafka", "switchyard-kafka")["spec"]["kafka"]["config"]
    assert not {"log.retention.ms", "log.retention.minutes", "log.roll.ms"} & set(broker)
    stays = {t["metadata"]["name"]: _longest_stay_ms(t, broker) for t in of_kind(resources, "KafkaTopic")}
    dead_letters = {dead_letter_topic(s) for s in SERVICES}
    events = max(ms for topic, ms in stays.items() if topic not in dead_letters)
    longest = events + max(stays[topic] for topic in dead_letters) + events
    settings = env_of(resources, container_of(resources, service))
    configured = settings.get("PROCESSED_EVENTS_RETENTION_DAYS", "")
    assert configured is not None, "the retention is a plain setting, not a Secret"
    kept_days = float(configured or PruningSettings().processed_events_retention_days)
    assert kept_days * _DAY_MS > longest, f"{kept_days} days <= {longest / _DAY_MS} days"
