"""The rendered Kubernetes manifests (deploy/k8s) as Python objects, for the test_k8s_* modules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from deploy.local import k8s_tools
from deploy.local.config import load_config

Resource = dict[str, Any]
# Kinds whose objects carry a pod template, and where it is.
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}


def render_overlays() -> dict[str, list[Resource]]:
    """Every overlay built by the provisioned kustomize, as a list of resources."""
    rendered = k8s_tools.render_all(load_config())
    return {overlay: [doc for doc in yaml.safe_load_all(text) if doc] for overlay, text in rendered.items()}


def of_kind(resources: list[Resource], kind: str) -> list[Resource]:
    return [r for r in resources if r["kind"] == kind]


def named(resources: list[Resource], kind: str, name: str) -> Resource:
    found = [r for r in of_kind(resources, kind) if r["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def pod_templates(resources: list[Resource]) -> Iterator[tuple[Resource, Resource]]:
    """(workload, pod template) for every workload."""
    for resource in resources:
        if resource["kind"] in WORKLOADS:
            yield resource, resource["spec"]["template"]


def containers(pod_spec: Resource) -> Iterator[tuple[str, Resource]]:
    """("init" or "main", container) for every container of a pod spec."""
    for container in pod_spec.get("initContainers", []):
        yield "init", container
    for container in pod_spec["containers"]:
        yield "main", container


def selects(selector: Resource, labels: Resource) -> bool:
    """Whether a label selector (matchLabels, and matchExpressions with In) matches ``labels``;
    empty matches all."""
    assert set(selector) <= {"matchLabels", "matchExpressions"}, f"selector form not handled: {selector}"
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", f"selector operator not handled here: {expression}"
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return all(labels.get(key) == value for key, value in selector.get("matchLabels", {}).items())


def container_of(resources: list[Resource], service: str) -> Resource:
    """The main container of ``service``'s Deployment."""
    container: Resource = named(resources, "Deployment", service)["spec"]["template"]["spec"]["containers"][0]
    return container


def env_of(resources: list[Resource], container: Resource) -> dict[str, str | None]:
    """A container's environment: envFrom ConfigMaps, then env (value, or None when from a Secret)."""
    values: dict[str, str | None] = {}
    for source in container.get("envFrom", []):
        config_map = named(resources, "ConfigMap", source["configMapRef"]["name"])
        values.update(config_map.get("data", {}))
    for variable in container.get("env", []):
        values[variable["name"]] = variable.get("value")
    return values
