"""Operator commands of the auth service."""

from __future__ import annotations

import asyncio

from switchyard.auth.adapters.signing_keys import SigningKeys
from switchyard.auth.settings import load_auth_settings
from switchyard.common.db import create_engine, create_session_factory
from switchyard.common.runtime.settings import load_service_settings
from switchyard.common.settings import exit_on_settings_error


async def _rotate() -> str:
    with exit_on_settings_error("switchyard-auth rotate-signing-key"):
        settings, auth = load_service_settings(), load_auth_settings()
    engine = create_engine(settings.database)
    try:
        keys = SigningKeys(
            create_session_factory(engine),
            access_token_ttl_s=auth.access_token_ttl_s,
            passphrase=auth.signing_key_passphrase,
        )
        return await keys.rotate()
    finally:
        await engine.dispose()


def rotate_signing_key() -> None:
    """New tokens are signed with a new key; the old one stays published until its tokens expired."""
    kid = asyncio.run(_rotate())
    print(f"signing key rotated: new kid {kid}; the previous key stays in the JWKS until its tokens expire")
