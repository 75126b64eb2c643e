"""The notifications HTTP API, mounted by the gateway at ``/api/v1/notifications``."""

from switchyard.notifications.entrypoints.http.deliveries import DeliveryController
from switchyard.notifications.entrypoints.http.inbox import InboxController
from switchyard.notifications.entrypoints.http.preferences import PreferencesController
from switchyard.notifications.entrypoints.http.stream import StreamController

ROUTES = [InboxController, StreamController, PreferencesController, DeliveryController]

__all__ = ["ROUTES"]
