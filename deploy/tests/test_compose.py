"""docker-compose.yml: valid Compose Specification, healthy-before-use ordering, no committed secrets."""

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy.local.config import GATEWAY_DEFAULTS
from deploy.local.gateway import STATIC_FILES
from switchyard.common.runtime.settings import ShutdownSettings
from switchyard.common.settings import load_settings

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
SERVICES = ("auth", "users", "notifications", "ingest")
# Why these have no healthcheck: the collector image has no shell or client to probe with, and
# kafka-topics is a one-shot job that others wait for with service_completed_successfully.
NO_HEALTHCHECK = {"otel-collector", "kafka-topics"}
EXPECTED_CONDITION = {"kafka-topics": "service_completed_successfully", "otel-collector": "service_started"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def test_compose_file_matches_the_compose_specification_schema():
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_topology_has_every_part(compose):
    expected = {
        *SERVICES,
        "postgres",
        "kafka",
        "kafka-topics",
        "redis",
        "gateway",
        "otel-collector",
        "mailpit",
    }
    assert set(compose["services"]) == expected


def test_every_long_running_part_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        if name in NO_HEALTHCHECK:
            continue
        check = service.get("healthcheck", {})
        assert check.get("test"), f"{name} has no healthcheck"
        assert not check.get("disable"), f"{name} disables its healthcheck"


def test_dependencies_exist_and_wait_on_a_condition(compose):
    services = compose["services"]
    for name, service in services.items():
        for dependency, rule in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            wanted = EXPECTED_CONDITION.get(dependency, "service_healthy")
            assert rule["condition"] == wanted, f"{name} -> {dependency}: {rule['condition']}"


def test_services_build_from_their_own_dockerfile_and_wait_for_infrastructure(compose):
    for name in SERVICES:
        service = compose["services"][name]
        assert service["build"]["dockerfile"] == f"services/{name}/Dockerfile"
        assert service["build"]["context"] == "."
        assert {"postgres", "kafka", "kafka-topics", "redis"} <= set(service["depends_on"])


def test_no_secret_value_is_committed(compose):
    required_ref = re.compile(r"\$\{[A-Z_]+:\?[^}]*\}")
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if key.endswith("PASSWORD"):
                assert required_ref.fullmatch(str(value)), (
                    f"{name}.{key} must be a required ${{VAR:?}} reference"
                )
            if key == "DATABASE_URL":
                assert required_ref.search(str(value)), f"{name}.DATABASE_URL must take its password from env"


def test_each_service_uses_its_own_database_role(compose):
    for name in SERVICES:
        url = compose["services"][name]["environment"]["DATABASE_URL"]
        assert url.startswith(f"postgresql+asyncpg://switchyard_{name}:")
        assert url.endswith(f"@postgres:5432/switchyard_{name}")


def test_gateway_renders_the_shared_template_and_substitutes_only_its_placeholders(compose):
    gateway = compose["services"]["gateway"]
    assert (
        "./deploy/nginx/gateway.conf.template:/etc/nginx/templates/default.conf.template:ro"
        in gateway["volumes"]
    )
    template = (REPO / "deploy/nginx/gateway.conf.template").read_text()
    placeholders = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", template))
    env = gateway["environment"]
    assert placeholders <= set(env), f"missing {placeholders - set(env)}"
    allowed = re.compile(env["NGINX_ENVSUBST_FILTER"])
    assert all(allowed.search(name) for name in placeholders)
    assert not any(allowed.search(name) for name in ("HOSTNAME", "PATH", "HOME", "NGINX_VERSION"))


def test_gateway_settings_default_to_the_production_like_values_and_docs_are_mounted(compose):
    gateway = compose["services"]["gateway"]
    env = gateway["environment"]
    defaults = {}
    for name in GATEWAY_DEFAULTS:
        # "${NAME:-default}": overridable in .env, with the same default as deploy/local/gateway.py.
        match = re.fullmatch(r"\$\{(\w+):-([^}]*)\}", str(env.get(name)))
        assert match, f"{name}: {env.get(name)!r}"
        assert match.group(1) == name
        defaults[name] = match.group(2)
    assert defaults == GATEWAY_DEFAULTS
    docs_dir = env["GATEWAY_DOCS_DIR"]
    assert all(f"./deploy/nginx/{name}:{docs_dir}/{name}:ro" in gateway["volumes"] for name in STATIC_FILES)


def test_services_trust_forwarded_addresses_from_the_gateway_alone(compose):
    gateway_ip = compose["services"]["gateway"]["networks"]
    (pinned,) = [net["ipv4_address"] for net in gateway_ip.values() if isinstance(net, dict)]
    for name in SERVICES:
        trusted = compose["services"][name]["environment"]["FORWARDED_ALLOW_IPS"]
        # "*" would let any client write its own address into X-Forwarded-For and dodge per-IP limits.
        assert trusted == pinned != "*", f"{name} trusts {trusted!r}, the gateway is {pinned!r}"


def test_notifications_sends_to_mailpit_with_links_to_the_gateway(compose):
    env = compose["services"]["notifications"]["environment"]
    assert (env["SMTP_HOST"], str(env["SMTP_PORT"])) == ("mailpit", "1025")
    assert "mailpit" in compose["services"]["notifications"]["depends_on"]
    # "${GATEWAY_PORT:-8080}:8080": the host side, as written.
    gateway_port = compose["services"]["gateway"]["ports"][0].rpartition(":")[0]
    assert env["NOTIFICATIONS_PUBLIC_URL"] == f"http://localhost:{gateway_port}"
    # auth's own links start from the same address.
    assert compose["services"]["auth"]["environment"]["AUTH_PUBLIC_URL"].startswith(
        env["NOTIFICATIONS_PUBLIC_URL"]
    )


def test_services_get_longer_to_stop_than_their_worst_case_graceful_shutdown(compose):
    for name in SERVICES:
        service = compose["services"][name]
        env = {k: str(v) for k, v in service["environment"].items() if k.startswith("SHUTDOWN_")}
        shutdown = load_settings(ShutdownSettings, prefix="SHUTDOWN_", environ=env)
        grace = service["stop_grace_period"]
        assert re.fullmatch(r"\d+s", grace), grace
        assert int(grace[:-1]) > shutdown.worst_case_s, (name, grace, shutdown)
