"""Verifying the auth service's access tokens and guarding routes by role."""

from switchyard.common.http.auth.denylist import deny_token_id, denylist_key, is_token_id_denied
from switchyard.common.http.auth.jwks import JwksCache, KeysUnavailable, parse_jwks
from switchyard.common.http.auth.middleware import (
    AuthenticationMiddleware,
    authenticated_principal,
    provide_principal,
    requires_authentication,
    requires_roles,
)
from switchyard.common.http.auth.principal import Principal, principal_from_claims
from switchyard.common.http.auth.verifier import DEFAULT_ALGORITHMS, JwksVerifier, TokenRejected

__all__ = [
    "DEFAULT_ALGORITHMS",
    "AuthenticationMiddleware",
    "JwksCache",
    "JwksVerifier",
    "KeysUnavailable",
    "Principal",
    "TokenRejected",
    "authenticated_principal",
    "deny_token_id",
    "denylist_key",
    "is_token_id_denied",
    "parse_jwks",
    "principal_from_claims",
    "provide_principal",
    "requires_authentication",
    "requires_roles",
]
