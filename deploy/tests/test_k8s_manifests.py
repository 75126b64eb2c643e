"""deploy/k8s builds with kustomize, and every resource of both overlays matches its schema.

Core kinds are checked by kubernetes-validate against the Kubernetes version below; the operators'
kinds against the CRDs their own releases ship (docs/kubernetes.md), both strictly: a field the
schema does not know is an error, as with ``kubectl apply --validate=strict``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from deploy.local import k8s_tools
from deploy.local.config import load_config
from deploy.tests.k8s_manifests import Resource, render_overlays

# The oldest Kubernetes minor the manifests are meant for.
KUBERNETES_VERSION = "1.33.0"
OPERATOR_GROUPS = {"kafka.strimzi.io", "postgresql.cnpg.io", "keda.sh"}
Validators = dict[tuple[str, str], jsonschema.Draft4Validator]


@pytest.fixture(scope="module")
def overlays() -> dict[str, list[Resource]]:
    return render_overlays()


def _closed(schema: Any) -> Any:
    """The schema with unknown fields refused wherever it lists properties and allows no others."""
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: _closed(value) for key, value in schema.items()}
    open_ended = "additionalProperties" in schema or schema.get("x-kubernetes-preserve-unknown-fields")
    if "properties" in schema and not open_ended:
        closed["additionalProperties"] = False
    return closed


def _crd_validators(directory: Path) -> Validators:
    validators: Validators = {}
    for path in sorted(directory.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if version.get("served"):
                schema = _closed(version["schema"]["openAPIV3Schema"])
                validators[(f"{group}/{version['name']}", kind)] = jsonschema.Draft4Validator(schema)
    return validators


@pytest.fixture(scope="module")
def crd_validators() -> Validators:
    done = k8s_tools.provisioned(k8s_tools.crd_dir(load_config()) / ".complete")
    return _crd_validators(done.parent)


def _group(resource: Resource) -> str:
    api_version: str = resource["apiVersion"]
    return api_version.split("/")[0] if "/" in api_version else ""


@pytest.mark.parametrize("overlay", k8s_tools.OVERLAYS)
def test_overlay_renders_every_part(overlays, overlay):
    kinds = {r["kind"] for r in overlays[overlay]}
    expected = {"Namespace", "Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy", "ConfigMap"}
    expected |= {"HorizontalPodAutoscaler", "ScaledObject", "TriggerAuthentication", "ServiceAccount"}
    expected |= {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser", "Cluster", "Database"}
    assert expected <= kinds
    namespaces = {r["metadata"].get("namespace") for r in overlays[overlay] if r["kind"] != "Namespace"}
    assert namespaces == {f"switchyard-{overlay}" if overlay != "prod" else "switchyard"}


@pytest.mark.parametrize("overlay", k8s_tools.OVERLAYS)
def test_core_resources_match_the_kubernetes_schemas(overlays, overlay):
    core = [r for r in overlays[overlay] if _group(r) not in OPERATOR_GROUPS]
    errors = []
    for resource in core:
        try:
            kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{resource['kind']}/{resource['metadata']['name']}: {exc.message} at {exc.path}")
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("overlay", k8s_tools.OVERLAYS)
def test_operator_resources_match_their_crds(overlays, overlay, crd_validators):
    errors = []
    for resource in (r for r in overlays[overlay] if _group(r) in OPERATOR_GROUPS):
        validator = crd_validators.get((resource["apiVersion"], resource["kind"]))
        assert validator is not None, f"no CRD for {resource['apiVersion']} {resource['kind']}"
        name = f"{resource['kind']}/{resource['metadata']['name']}"
        errors += [f"{name}: {e.message} at {list(e.absolute_path)}" for e in validator.iter_errors(resource)]
    assert not errors, "\n".join(errors)


def test_strict_crd_validation_catches_a_misspelt_field(crd_validators):
    """The CRD check is not vacuous: an unknown field and a wrong type are both refused."""
    topic = {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "KafkaTopic",
        "metadata": {"name": "t", "labels": {"strimzi.io/cluster": "c"}},
        "spec": {"partitions": 3, "replicas": 3},
    }
    validator = crd_validators[("kafka.strimzi.io/v1", "KafkaTopic")]
    assert not list(validator.iter_errors(topic))
    assert list(validator.iter_errors({**topic, "spec": {"partition": 3}}))
    assert list(validator.iter_errors({**topic, "spec": {"partitions": "three"}}))


def test_strict_core_validation_catches_a_misspelt_field():
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s"},
        "spec": {"ports": [{"port": 80}], "selector": {"a": "b"}},
    }
    kubernetes_validate.validate(service, KUBERNETES_VERSION, strict=True)
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate({**service, "spec": {"portz": []}}, KUBERNETES_VERSION, strict=True)
