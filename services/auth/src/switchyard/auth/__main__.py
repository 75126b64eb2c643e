"""``python -m switchyard.auth``: the auth HTTP API, its consumers and its outbox relay.

``python -m switchyard.auth rotate-signing-key`` rotates the access-token signing key instead.
"""

import sys

from switchyard.auth.bootstrap import SERVICE, bootstrap
from switchyard.auth.settings import load_auth_settings
from switchyard.common.runtime import serve
from switchyard.common.settings import exit_on_settings_error


def main() -> None:
    if sys.argv[1:2] == ["rotate-signing-key"]:
        from switchyard.auth.entrypoints.cli import rotate_signing_key

        rotate_signing_key()
        return
    with exit_on_settings_error(f"switchyard-{SERVICE}"):
        auth = load_auth_settings()
    serve(SERVICE, lambda settings: bootstrap(settings, auth=auth))


if __name__ == "__main__":
    main()
