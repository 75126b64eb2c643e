"""``/.well-known/jwks.json`` (the public keys) and RFC 8414 authorization server metadata."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get

from switchyard.auth.entrypoints.http.dependencies import Ctx

# Verifiers refetch on an unknown kid, so a short cache delays nothing after a rotation.
JWKS_CACHE = {"Cache-Control": "public, max-age=300"}


class WellKnownController(Controller):
    path = "/.well-known"
    tags = ["keys"]

    @get("/jwks.json", summary="Public keys that verify access tokens (RFC 7517)")
    async def jwks(self, ctx: Ctx) -> Response[Any]:
        return Response(await ctx.keys.jwks(), headers=JWKS_CACHE, media_type="application/jwk-set+json")

    @get("/oauth-authorization-server", summary="Authorization server metadata (RFC 8414)")
    async def metadata(self, ctx: Ctx) -> dict[str, Any]:
        base = ctx.settings.public_url.rstrip("/")
        return {
            "issuer": ctx.issuer,
            "token_endpoint": f"{base}/token",
            "revocation_endpoint": f"{base}/revoke",
            "jwks_uri": f"{base}/.well-known/jwks.json",
            "grant_types_supported": ["password", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["none"],
            "revocation_endpoint_auth_methods_supported": ["none"],
            "response_types_supported": [],
        }
