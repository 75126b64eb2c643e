"""``python -m switchyard.auth``: the auth HTTP API, its consumers and its outbox relay.

``python -m switchyard.auth rotate-signing-key`` rotates the access-token signing key instead;
``python -m switchyard.auth migrate`` applies pending migrations and exits.
"""

import sys

from litestar import Litestar

from switchyard.auth.bootstrap import SERVICE, SERVICE_ROOT, bootstrap
from switchyard.auth.settings import load_auth_settings
from switchyard.common.runtime import ServiceSettings, serve
from switchyard.common.settings import exit_on_settings_error


def main() -> None:
    if sys.argv[1:2] == ["rotate-signing-key"]:
        from switchyard.auth.entrypoints.cli import rotate_signing_key

        rotate_signing_key()
        return
    serve(SERVICE, _bootstrap, root=SERVICE_ROOT)


def _bootstrap(settings: ServiceSettings) -> Litestar:
    with exit_on_settings_error(f"switchyard-{SERVICE}"):
        auth = load_auth_settings()
    return bootstrap(settings, auth=auth)


if __name__ == "__main__":
    main()
