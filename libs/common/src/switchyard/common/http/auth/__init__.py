"""Verifying the auth service's access tokens and guarding routes by role."""

from switchyard.common.http.auth.denylist import (
    deny_session,
    deny_token_id,
    deny_tokens_issued_before,
    denylist_key,
    is_token_denied,
    is_token_id_denied,
)
from switchyard.common.http.auth.jwks import JwksCache, KeysUnavailable, PublicKey, parse_jwks
from switchyard.common.http.auth.middleware import (
    AuthenticationMiddleware,
    authenticated_principal,
    provide_principal,
    requires_authentication,
    requires_roles,
)
from switchyard.common.http.auth.principal import CurrentPrincipal, Principal, principal_from_claims
from switchyard.common.http.auth.verifier import (
    DEFAULT_ALGORITHMS,
    DenylistUnavailable,
    JwksVerifier,
    KeySource,
    TokenRejected,
)

__all__ = [
    "DEFAULT_ALGORITHMS",
    "AuthenticationMiddleware",
    "CurrentPrincipal",
    "DenylistUnavailable",
    "JwksCache",
    "JwksVerifier",
    "KeySource",
    "KeysUnavailable",
    "Principal",
    "PublicKey",
    "TokenRejected",
    "authenticated_principal",
    "deny_session",
    "deny_token_id",
    "deny_tokens_issued_before",
    "denylist_key",
    "is_token_denied",
    "is_token_id_denied",
    "parse_jwks",
    "principal_from_claims",
    "provide_principal",
    "requires_authentication",
    "requires_roles",
]
