"""Our own rules for deploy/k8s, where checkov has none: probes, limits, non-root, pinned images,
a disruption budget, a network policy and one autoscaler per Deployment, no secret in the output."""

from __future__ import annotations

import re

import pytest

from deploy.local import k8s_tools
from deploy.tests.k8s_manifests import (
    Resource,
    containers,
    env_of,
    named,
    of_kind,
    pod_templates,
    render_overlays,
    selects,
)
from switchyard.common.runtime.settings import load_service_settings

OVERLAYS = k8s_tools.OVERLAYS
# Namespace-wide policies every pod gets; a workload also needs one of its own.
SHARED_POLICIES = {"default-deny-ingress", "default-deny-egress", "allow-dns"}
SECRET_NAME = re.compile(r"PASSWORD|PASSPHRASE|SECRET|TOKEN|_KEY$")
SERVICE_IMAGES = "registry.example.com/switchyard/"


@pytest.fixture(scope="module")
def overlays() -> dict[str, list[Resource]]:
    return render_overlays()


def _pinned(image: str) -> bool:
    if "@sha256:" in image:
        return True
    name, _, tag = image.rpartition(":")
    return bool(name) and "/" not in tag and tag not in ("", "latest")


@pytest.mark.parametrize(
    ("image", "pinned"),
    [
        ("redis:7.2.11-alpine", True),
        ("registry.example.com:5000/switchyard/auth:0.1.0", True),
        ("nginx@sha256:" + "0" * 64, True),
        ("redis", False),
        ("redis:latest", False),
        ("registry.example.com:5000/switchyard/auth", False),
    ],
)
def test_pinned_image_rule(image, pinned):
    assert _pinned(image) is pinned


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_is_probed_limited_non_root_and_pinned(overlays, overlay):
    problems = []
    for workload, template in pod_templates(overlays[overlay]):
        pod = template["spec"]
        pod_security = pod.get("securityContext", {})
        for role, container in containers(pod):
            where = f"{workload['kind']}/{workload['metadata']['name']}/{container['name']}"
            security = {**pod_security, **container.get("securityContext", {})}
            resources = container.get("resources", {})
            if role == "main" and not {"startupProbe", "livenessProbe", "readinessProbe"} <= set(container):
                problems.append(f"{where}: needs startup, liveness and readiness probes")
            for bound in ("requests", "limits"):
                if set(resources.get(bound, {})) != {"cpu", "memory"}:
                    problems.append(f"{where}: needs cpu and memory {bound}")
            if security.get("runAsNonRoot") is not True or security.get("runAsUser", 0) == 0:
                problems.append(f"{where}: must run as a non-root uid")
            if security.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: must not allow privilege escalation")
            if security.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: needs a read-only root filesystem")
            if security.get("capabilities", {}).get("drop") != ["ALL"]:
                problems.append(f"{where}: must drop all capabilities")
            if not _pinned(container["image"]):
                problems.append(f"{where}: image {container['image']} has no pinned tag")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_is_hardened(overlays, overlay):
    for workload, template in pod_templates(overlays[overlay]):
        pod = template["spec"]
        name = workload["metadata"]["name"]
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        assert pod.get("serviceAccountName") == name, name
        assert not any(pod.get(host) for host in ("hostNetwork", "hostPID", "hostIPC")), name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_has_a_disruption_budget_and_a_network_policy_of_its_own(overlays, overlay):
    resources = overlays[overlay]
    budgets = of_kind(resources, "PodDisruptionBudget")
    policies = [
        p for p in of_kind(resources, "NetworkPolicy") if p["metadata"]["name"] not in SHARED_POLICIES
    ]
    for deployment in of_kind(resources, "Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        name = deployment["metadata"]["name"]
        covering = [b for b in budgets if selects(b["spec"]["selector"], labels)]
        assert len(covering) == 1, f"{name}: {len(covering)} disruption budgets"
        assert any(selects(p["spec"]["podSelector"], labels) for p in policies), f"{name}: no network policy"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_deny_by_default(overlays, overlay):
    resources = overlays[overlay]
    ingress = named(resources, "NetworkPolicy", "default-deny-ingress")["spec"]
    assert ingress == {"podSelector": {}, "policyTypes": ["Ingress"]}
    egress = named(resources, "NetworkPolicy", "default-deny-egress")["spec"]
    assert egress["policyTypes"] == ["Egress"]
    assert "egress" not in egress
    for deployment in of_kind(resources, "Deployment"):
        assert selects(egress["podSelector"], deployment["spec"]["template"]["metadata"]["labels"])
    # The operators' pods must keep their egress (KRaft quorum, replication, the Kubernetes API).
    # Strimzi copies the Kafka resources' labels (app.kubernetes.io/part-of among them) onto its
    # pods, and CloudNativePG its Cluster's onto the instances.
    for kind in ("Kafka", "KafkaNodePool", "Cluster"):
        for operated in of_kind(resources, kind):
            labels = operated["metadata"].get("labels", {})
            assert not selects(egress["podSelector"], labels), f"{kind}/{operated['metadata']['name']}"
            assert not selects(named(resources, "NetworkPolicy", "allow-dns")["spec"]["podSelector"], labels)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_ingest_scales_out_only_onto_shared_upload_storage(overlays, overlay):
    """Any replica's importer may take any import, so every replica must see every upload."""
    resources = overlays[overlay]
    volumes = named(resources, "Deployment", "ingest")["spec"]["template"]["spec"]["volumes"]
    (uploads,) = [v for v in volumes if v["name"] == "uploads"]
    if "persistentVolumeClaim" in uploads:
        claim = named(resources, "PersistentVolumeClaim", uploads["persistentVolumeClaim"]["claimName"])
        assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    else:
        assert named(resources, "ScaledObject", "ingest")["spec"]["maxReplicaCount"] == 1, overlay


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_deployment_has_one_autoscaler_or_a_fixed_count(overlays, overlay):
    """KEDA makes its own HPA from a ScaledObject: an HPA of ours on the same Deployment would fight it."""
    resources = overlays[overlay]
    targets = [h["spec"]["scaleTargetRef"]["name"] for h in of_kind(resources, "HorizontalPodAutoscaler")]
    targets += [s["spec"]["scaleTargetRef"]["name"] for s in of_kind(resources, "ScaledObject")]
    for deployment in of_kind(resources, "Deployment"):
        name = deployment["metadata"]["name"]
        scaled = targets.count(name)
        if "replicas" in deployment["spec"]:
            assert scaled == 0, f"{name}: a fixed replica count and an autoscaler"
        else:
            assert scaled == 1, f"{name}: {scaled} autoscalers"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_reaches_a_command_line(overlays, overlay):
    """Kubernetes expands $(VAR) in command and args: a Secret's value there is in the process list."""
    problems = []
    for workload, template in pod_templates(overlays[overlay]):
        for _role, container in containers(template["spec"]):
            secret = {v["name"] for v in container.get("env", []) if "secretKeyRef" in v.get("valueFrom", {})}
            words = " ".join([*container.get("command", []), *container.get("args", [])])
            for name in sorted(secret & set(re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", words))):
                where = f"{workload['metadata']['name']}/{container['name']}"
                problems.append(f"{where}: $({name}) in its command")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_values_in_the_output(overlays, overlay):
    resources = overlays[overlay]
    assert not of_kind(resources, "Secret"), "Secrets are created outside the repository"
    for workload, template in pod_templates(resources):
        for _role, container in containers(template["spec"]):
            for variable in container.get("env", []):
                if SECRET_NAME.search(variable["name"]):
                    assert "secretKeyRef" in variable.get("valueFrom", {}), (
                        f"{workload['metadata']['name']}: {variable['name']} must come from a Secret"
                    )
    for config_map in of_kind(resources, "ConfigMap"):
        for key in config_map.get("data", {}):
            assert not SECRET_NAME.search(key), f"ConfigMap {config_map['metadata']['name']} holds {key}"


def _shutdown_s(resources: list[Resource], container: Resource) -> float:
    """The longest a container's process takes to stop after SIGTERM, by its own settings."""
    if not container["image"].split(":")[0].startswith(SERVICE_IMAGES):
        return 0.0  # nginx: a graceful quit, cut by the kill when streams stay open
    env = {
        name: "from-a-secret" if value is None else value
        for name, value in env_of(resources, container).items()
    }
    return load_service_settings(env).shutdown.worst_case_s


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_graceful_stop_fits_the_grace_period(overlays, overlay):
    """Endpoints drop the pod during the preStop sleep, then the process drains before the kill."""
    resources = overlays[overlay]
    for deployment in of_kind(resources, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        main = pod["containers"][0]
        if "lifecycle" not in main:
            assert deployment["metadata"]["name"] == "redis"  # nothing to drain: a cache
            continue
        sleep, seconds = main["lifecycle"]["preStop"]["exec"]["command"]
        assert sleep == "sleep"
        grace = pod["terminationGracePeriodSeconds"]
        assert int(seconds) + _shutdown_s(resources, main) < grace, deployment["metadata"]["name"]


def test_prod_keeps_kafka_replicated(overlays):
    resources = overlays["prod"]
    config = named(resources, "Kafka", "switchyard-kafka")["spec"]["kafka"]["config"]
    assert config["default.replication.factor"] == 3
    assert config["min.insync.replicas"] == 2
    pools = of_kind(resources, "KafkaNodePool")
    assert sum(p["spec"]["replicas"] for p in pools if "broker" in p["spec"]["roles"]) >= 3
    assert sum(p["spec"]["replicas"] for p in pools if "controller" in p["spec"]["roles"]) >= 3
    assert {t["spec"]["replicas"] for t in of_kind(resources, "KafkaTopic")} == {3}
    assert named(resources, "Cluster", "switchyard-pg")["spec"]["instances"] >= 3


def test_prod_ingest_uploads_are_on_a_shared_claim(overlays):
    resources = overlays["prod"]
    volumes = named(resources, "Deployment", "ingest")["spec"]["template"]["spec"]["volumes"]
    (uploads,) = [v for v in volumes if v["name"] == "uploads"]
    assert set(uploads) == {"name", "persistentVolumeClaim"}
    claim = named(resources, "PersistentVolumeClaim", uploads["persistentVolumeClaim"]["claimName"])
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
