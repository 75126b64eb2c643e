"""``python -m switchyard.notifications``: the API, the consumers, the email sender and the outbox relay.

``python -m switchyard.notifications migrate`` applies pending migrations and exits.
"""

from litestar import Litestar

from switchyard.common.runtime import ServiceSettings, serve
from switchyard.common.settings import exit_on_settings_error
from switchyard.notifications.bootstrap import SERVICE, SERVICE_ROOT, bootstrap
from switchyard.notifications.settings import load_notifications_settings


def main() -> None:
    serve(SERVICE, _bootstrap, root=SERVICE_ROOT)


def _bootstrap(settings: ServiceSettings) -> Litestar:
    with exit_on_settings_error(f"switchyard-{SERVICE}"):
        notifications = load_notifications_settings()
    return bootstrap(settings, notifications=notifications)


if __name__ == "__main__":
    main()
