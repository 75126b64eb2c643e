"""deploy/k8s parts that name each other agree: databases, roles, Secrets, ConfigMaps."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from deploy.local import k8s_tools
from deploy.tests.k8s_manifests import (
    Resource,
    container_of,
    containers,
    env_of,
    named,
    of_kind,
    pod_templates,
    render_overlays,
)
from switchyard.common.messaging.topics import SERVICES
from switchyard.common.runtime.settings import load_service_settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "kubernetes.md"


@pytest.fixture(scope="module")
def overlays() -> dict[str, list[Resource]]:
    return render_overlays()


def _secret_refs(resources: list[Resource]) -> Iterator[str]:
    """The name of every Secret the manifests expect to exist."""
    for _workload, template in pod_templates(resources):
        pod = template["spec"]
        yield from (v["secret"]["secretName"] for v in pod.get("volumes", []) if "secret" in v)
        for _role, container in containers(pod):
            for variable in container.get("env", []):
                reference = variable.get("valueFrom", {}).get("secretKeyRef")
                if reference:
                    yield reference["name"]
    for auth in of_kind(resources, "TriggerAuthentication"):
        yield from (ref["name"] for ref in auth["spec"].get("secretTargetRef", []))
    for cluster in of_kind(resources, "Cluster"):
        yield from (role["passwordSecret"]["name"] for role in cluster["spec"]["managed"]["roles"])


def _env(container: Resource) -> dict[str, Resource]:
    return {variable["name"]: variable for variable in container.get("env", [])}


@pytest.mark.parametrize("overlay", k8s_tools.OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_each_service_uses_its_own_database_and_role(overlays, overlay, service):
    resources = overlays[overlay]
    cluster = named(resources, "Cluster", "switchyard-pg")["spec"]
    database = named(resources, "Database", f"switchyard-{service}")["spec"]
    owner = f"switchyard_{service}"
    assert database == {**database, "name": owner, "owner": owner, "cluster": {"name": "switchyard-pg"}}
    (role,) = [r for r in cluster["managed"]["roles"] if r["name"] == owner]
    assert role["login"] is True
    assert not any(role.get(power) for power in ("superuser", "createdb", "createrole", "replication"))
    assert f"hostssl {owner} {owner} all scram-sha-256" in cluster["postgresql"]["pg_hba"]
    pod = named(resources, "Deployment", service)["spec"]["template"]["spec"]
    for _role, container in containers(pod):
        env = _env(container)
        url = env["DATABASE_URL"]["value"]
        assert url.endswith(f"@switchyard-pg-rw:5432/{owner}"), url
        for part in ("username", "password"):
            variable = "DATABASE_USER" if part == "username" else "DATABASE_PASSWORD"
            reference = env[variable]["valueFrom"]["secretKeyRef"]
            assert reference == {"name": role["passwordSecret"]["name"], "key": part}


@pytest.mark.parametrize("overlay", k8s_tools.OVERLAYS)
def test_roles_reach_no_other_database(overlays, overlay):
    hba = named(overlays[overlay], "Cluster", "switchyard-pg")["spec"]["postgresql"]["pg_hba"]
    roles = ",".join(f"switchyard_{s}" for s in SERVICES)
    assert hba[-1] == f"host all {roles} all reject"


@pytest.mark.parametrize("overlay", k8s_tools.OVERLAYS)
def test_every_referenced_config_map_is_rendered(overlays, overlay):
    resources = overlays[overlay]
    for _workload, template in pod_templates(resources):
        pod = template["spec"]
        names = [v["configMap"]["name"] for v in pod.get("volumes", []) if "configMap" in v]
        for _role, container in containers(pod):
            names += [source["configMapRef"]["name"] for source in container.get("envFrom", [])]
        for name in names:
            named(resources, "ConfigMap", name)
    for auth in of_kind(resources, "TriggerAuthentication"):
        for reference in auth["spec"].get("configMapTargetRef", []):
            assert reference["key"] in named(resources, "ConfigMap", reference["name"])["data"]


@pytest.mark.parametrize("overlay", k8s_tools.OVERLAYS)
def test_every_referenced_secret_is_documented(overlays, overlay):
    """Each Secret is either made by an operator or by whoever installs; docs/kubernetes.md says which."""
    doc = DOC.read_text()
    missing = sorted({name for name in _secret_refs(overlays[overlay]) if f"`{name}`" not in doc})
    assert not missing, f"Secrets not described in {DOC.name}: {missing}"


def _settings_loaders(service: str) -> list[Callable[[Mapping[str, str]], object]]:
    own = {
        "auth": "switchyard.auth.settings:load_auth_settings",
        "notifications": "switchyard.notifications.settings:load_notifications_settings",
        "ingest": "switchyard.ingest.settings:load_ingest_settings",
    }
    loaders: list[Callable[[Mapping[str, str]], object]] = [load_service_settings]
    if service in own:
        module, name = own[service].split(":")
        loaders.append(getattr(importlib.import_module(module), name))
    return loaders


SECRET_STAND_IN = "stand-in-for-a-secret-value"
# Secrets whose value has a format the settings check.
FORMATTED_STAND_INS = {"AUTH_TOTP_ENCRYPTION_KEY": "A" * 43 + "="}  # a Fernet key: 32 bytes, base64


@pytest.mark.parametrize("overlay", k8s_tools.OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_each_services_settings_load_from_its_rendered_environment(overlays, overlay, service):
    """The values the ConfigMaps give are ones the service accepts; a Secret's value (not in the
    repository) is a stand-in, so settings that need one (the Kafka password) see it is given."""
    resources = overlays[overlay]
    container = container_of(resources, service)
    env = {
        name: FORMATTED_STAND_INS.get(name, SECRET_STAND_IN) if value is None else value
        for name, value in env_of(resources, container).items()
    }
    for load in _settings_loaders(service):
        load(env)
