"""``python -m switchyard.notifications``: the API, the consumers, the email sender and the outbox relay."""

from switchyard.common.runtime import serve
from switchyard.common.settings import exit_on_settings_error
from switchyard.notifications.bootstrap import SERVICE, bootstrap
from switchyard.notifications.settings import load_notifications_settings


def main() -> None:
    with exit_on_settings_error(f"switchyard-{SERVICE}"):
        notifications = load_notifications_settings()
    serve(SERVICE, lambda settings: bootstrap(settings, notifications=notifications))


if __name__ == "__main__":
    main()
