"""``python -m switchyard.auth``: the auth HTTP API, its consumers and its outbox relay."""

from switchyard.auth.bootstrap import SERVICE, bootstrap
from switchyard.common.runtime import serve


def main() -> None:
    serve(SERVICE, bootstrap)


if __name__ == "__main__":
    main()
