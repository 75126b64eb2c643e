"""Test support shared by every package: infrastructure, throwaway databases and topics, services.

The fixtures live in :mod:`switchyard.common.testing.fixtures`, a pytest plugin the root
``conftest.py`` registers; the helpers below work without pytest.
"""

from switchyard.common.testing.databases import DatabaseFactory
from switchyard.common.testing.infrastructure import (
    Infrastructure,
    InfrastructureUnavailable,
    resolve_infrastructure,
)
from switchyard.common.testing.jwks import JwksServer, serve_jwks
from switchyard.common.testing.kafka import ReadTopic, committed_offsets, isolated_topics, publish_raw
from switchyard.common.testing.services import (
    ServiceProcess,
    free_port,
    run_service_module,
    running_app,
    served_over_http,
    service_environment,
    service_settings,
    start_service_process,
)
from switchyard.common.testing.waiting import WaitUntil, wait_until

__all__ = [
    "DatabaseFactory",
    "Infrastructure",
    "InfrastructureUnavailable",
    "JwksServer",
    "ReadTopic",
    "ServiceProcess",
    "WaitUntil",
    "committed_offsets",
    "free_port",
    "isolated_topics",
    "publish_raw",
    "resolve_infrastructure",
    "run_service_module",
    "running_app",
    "serve_jwks",
    "served_over_http",
    "service_environment",
    "service_settings",
    "start_service_process",
    "wait_until",
]
