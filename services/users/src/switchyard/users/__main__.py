"""``python -m switchyard.users``: the users HTTP API, its consumers and its outbox relay."""

from switchyard.common.runtime import serve
from switchyard.users.bootstrap import SERVICE, bootstrap


def main() -> None:
    serve(SERVICE, bootstrap)


if __name__ == "__main__":
    main()
