"""``python -m switchyard.users``: the users HTTP API, its consumers and its outbox relay.

``python -m switchyard.users migrate`` applies pending migrations and exits.
"""

from switchyard.common.runtime import serve
from switchyard.users.bootstrap import SERVICE, SERVICE_ROOT, bootstrap


def main() -> None:
    serve(SERVICE, bootstrap, root=SERVICE_ROOT)


if __name__ == "__main__":
    main()
