"""The Kubernetes gateway runs deploy/nginx/gateway.conf.template itself, with a value for every placeholder.

When the template gains a placeholder, these tests fail until gateway-env (deploy/k8s/base/
kustomization.yaml) sets it; the rendered configuration must also pass `nginx -t`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from deploy.local import gateway, k8s_tools
from deploy.tests.k8s_manifests import Resource, env_of, named, of_kind, render_overlays

TEMPLATES_DIR = "/etc/nginx/templates"


@pytest.fixture(scope="module")
def overlays() -> dict[str, list[Resource]]:
    return render_overlays()


def _nginx(resources: list[Resource]) -> tuple[Resource, Resource]:
    """The gateway's pod spec and its nginx container."""
    pod = named(resources, "Deployment", "gateway")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    return pod, container


def _mounted_config_map_files(pod: Resource, container: Resource) -> dict[str, tuple[str, str]]:
    """Path inside the container -> (ConfigMap, key), for every ConfigMap file mounted."""
    volumes = {v["name"]: v for v in pod["volumes"]}
    files = {}
    for mount in container["volumeMounts"]:
        source = volumes[mount["name"]].get("configMap")
        for item in (source or {}).get("items", []):
            files[f"{mount['mountPath']}/{item['path']}"] = (source["name"], item["key"])
    return files


def test_template_placeholders_are_read_as_the_local_stack_reads_them():
    placeholders = set(gateway.PLACEHOLDER.findall(gateway.TEMPLATE.read_text()))
    assert {"GATEWAY_LISTEN", "AUTH_UPSTREAM"} <= placeholders


@pytest.mark.parametrize("overlay", k8s_tools.OVERLAYS)
def test_every_placeholder_has_a_value_that_envsubst_will_replace(overlays, overlay):
    resources = overlays[overlay]
    _pod, container = _nginx(resources)
    env = env_of(resources, container)
    placeholders = set(gateway.PLACEHOLDER.findall(gateway.TEMPLATE.read_text()))
    assert not placeholders - set(env), "placeholders without a value in the gateway's environment"
    # The image's entrypoint substitutes only the variables matching this filter.
    substituted = re.compile(str(env["NGINX_ENVSUBST_FILTER"]))
    assert all(substituted.search(name) for name in placeholders)
    stale = {name for name in env if substituted.search(name)} - placeholders
    assert not stale, f"set for the gateway but not in the template: {sorted(stale)}"
    assert all(value is not None for name, value in env.items() if name in placeholders)


@pytest.mark.parametrize("overlay", k8s_tools.OVERLAYS)
def test_the_gateway_mounts_the_repositorys_own_files(overlays, overlay):
    resources = overlays[overlay]
    pod, container = _nginx(resources)
    files = _mounted_config_map_files(pod, container)
    docs_dir = env_of(resources, container)["GATEWAY_DOCS_DIR"]
    expected = {f"{TEMPLATES_DIR}/{gateway.TEMPLATE.name}": gateway.TEMPLATE}
    expected |= {f"{docs_dir}/{name}": gateway.NGINX_DIR / name for name in gateway.STATIC_FILES}
    assert set(files) == set(expected)
    for path, source in expected.items():
        config_map, key = files[path]
        assert named(resources, "ConfigMap", config_map)["data"][key] == source.read_text(), path


@pytest.mark.parametrize("overlay", k8s_tools.OVERLAYS)
def test_upstreams_are_the_services(overlays, overlay):
    resources = overlays[overlay]
    env = env_of(resources, _nginx(resources)[1])
    services = {s["metadata"]["name"]: s for s in of_kind(resources, "Service")}
    for name in ("auth", "users", "notifications", "ingest"):
        host, port = str(env[f"{name.upper()}_UPSTREAM"]).split(":")
        assert int(port) in {p["port"] for p in services[host]["spec"]["ports"]}


@pytest.mark.parametrize("overlay", k8s_tools.OVERLAYS)
def test_rendered_configuration_passes_nginx_t(overlays, overlay, tmp_path: Path):
    """The overlay's values, upstreams aside (nginx -t resolves them), make a config nginx accepts."""
    resources = overlays[overlay]
    env = env_of(resources, _nginx(resources)[1])
    placeholders = set(gateway.PLACEHOLDER.findall(gateway.TEMPLATE.read_text()))
    values = {name: str(env[name]) for name in placeholders}
    values |= {name: "127.0.0.1:9" for name in placeholders if name.endswith("_UPSTREAM")}
    values["GATEWAY_ACCESS_LOG"] = str(tmp_path / "access.log")
    error_log = tmp_path / "error.log"
    main = gateway.write_config(tmp_path / "nginx", values=values, error_log=error_log, worker=None)
    gateway.check_config(main, error_log)
