"""What every service process is made of: settings, composition helpers, the serve loop."""

from switchyard.common.runtime.background import background_task
from switchyard.common.runtime.serve import serve
from switchyard.common.runtime.service import ServiceRuntime, build_runtime
from switchyard.common.runtime.settings import ServiceSettings, load_service_settings

__all__ = [
    "ServiceRuntime",
    "ServiceSettings",
    "background_task",
    "build_runtime",
    "load_service_settings",
    "serve",
]
