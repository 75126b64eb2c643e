"""``python -m switchyard.ingest``: the ingest HTTP API, its consumers and its outbox relay.

``python -m switchyard.ingest migrate`` applies pending migrations and exits.
"""

from switchyard.common.runtime import serve
from switchyard.ingest.bootstrap import SERVICE, SERVICE_ROOT, bootstrap


def main() -> None:
    serve(SERVICE, bootstrap, root=SERVICE_ROOT)


if __name__ == "__main__":
    main()
