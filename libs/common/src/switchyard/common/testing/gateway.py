"""The running stack's gateway for end-to-end tests: its URL and the bootstrap admin's login."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

from switchyard.common.testing.infrastructure import InfrastructureUnavailable, local_stack_dir, read_env_file

ENV_GATEWAY_URL = "SWITCHYARD_GATEWAY_URL"
DEFAULT_ADMIN_EMAIL = "admin@switchyard.local"


@dataclass(frozen=True)
class Gateway:
    url: str
    admin_email: str
    admin_password: str

    def api(self, path: str) -> str:
        """``gateway.api("/auth/token")`` -> ``<url>/api/v1/auth/token``."""
        return f"{self.url}/api/v1{path}"


def resolve_gateway(environ: Mapping[str, str] | None = None) -> Gateway:
    """``SWITCHYARD_GATEWAY_URL`` and ``AUTH_BOOTSTRAP_ADMIN_*`` first, else what ``make up`` recorded."""
    env = os.environ if environ is None else environ
    stack = local_stack_dir(env)
    secrets = read_env_file(stack / "secrets.env") if (stack / "secrets.env").is_file() else {}
    url = env.get(ENV_GATEWAY_URL)
    if not url:
        recorded = stack / "stack.json"
        if not recorded.is_file():
            raise InfrastructureUnavailable(
                f"no gateway: {ENV_GATEWAY_URL} is unset and no local stack is in {stack}; run `make up`"
            )
        url = f"http://127.0.0.1:{json.loads(recorded.read_text())['ports']['GATEWAY_PORT']}"
    return Gateway(
        url=url.rstrip("/"),
        admin_email=env.get("AUTH_BOOTSTRAP_ADMIN_EMAIL") or DEFAULT_ADMIN_EMAIL,
        admin_password=env.get("AUTH_BOOTSTRAP_ADMIN_PASSWORD")
        or secrets.get("BOOTSTRAP_ADMIN_PASSWORD", ""),
    )
