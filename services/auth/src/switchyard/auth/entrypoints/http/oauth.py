"""The OAuth 2.0 endpoints (RFC 6749 token, RFC 7009 revocation): form-encoded in, RFC 6749 5.2 errors out."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from litestar import Controller, Request, Response, post
from litestar.datastructures import FormMultiDict
from litestar.di import Provide

from switchyard.auth.domain.commands import ClientInfo, LogIn, RefreshSession, RevokeRefreshToken
from switchyard.auth.domain.errors import InvalidGrant
from switchyard.auth.entrypoints.http.dependencies import Client, Ctx, provide_client
from switchyard.auth.entrypoints.http.schemas import TokenRead
from switchyard.auth.service_layer import login, sessions
from switchyard.auth.service_layer.context import AuthContext
from switchyard.auth.service_layer.tokens import TokenPair
from switchyard.common.http import Principal

type OAuthErrorCode = Literal["invalid_request", "invalid_grant", "unsupported_grant_type"]

FORM = "application/x-www-form-urlencoded"
# RFC 6749 5.1: token responses must not be cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_MAX_FIELD = 4096


class OAuthError(Exception):
    def __init__(self, error: OAuthErrorCode, description: str) -> None:
        super().__init__(description)
        self.error, self.description = error, description

    def to_response(self) -> Response[dict[str, str]]:
        body = {"error": self.error, "error_description": self.description}
        return Response(body, status_code=400, headers=NO_STORE, media_type="application/json")


async def _form(request: Request[Any, Any, Any]) -> FormMultiDict:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM:
        raise OAuthError("invalid_request", f"The request body must be {FORM}.")
    return await request.form()


def _field(form: FormMultiDict, name: str, *, required: bool = True) -> str | None:
    values = form.getall(name) if name in form else []
    if len(values) > 1:
        raise OAuthError("invalid_request", f"Parameter {name!r} is repeated.")
    value = values[0] if values else None
    if not isinstance(value, str) or value == "":
        if required:
            raise OAuthError("invalid_request", f"Parameter {name!r} is required.")
        return None
    if len(value) > _MAX_FIELD:
        raise OAuthError("invalid_request", f"Parameter {name!r} is too long.")
    return value


async def _grant(form: FormMultiDict, ctx: AuthContext, client: ClientInfo) -> TokenPair:
    grant_type = _field(form, "grant_type")
    if grant_type == "password":
        command = LogIn(
            login=_field(form, "username") or "",
            password=_field(form, "password") or "",
            otp=_field(form, "otp", required=False),
            client=client,
        )
        return await login.log_in(command, ctx)
    if grant_type == "refresh_token":
        return await login.refresh_session(
            RefreshSession(refresh_token=_field(form, "refresh_token") or "", client=client), ctx
        )
    raise OAuthError("unsupported_grant_type", "Supported grant types: password, refresh_token.")


class OAuthController(Controller):
    path = "/"
    tags = ["oauth"]
    # Token responses are secrets: never stored for Idempotency-Key replays.
    opt = {"idempotency": False}
    dependencies = {"client": Provide(provide_client, sync_to_thread=False)}

    @post("/token", status_code=200, summary="OAuth 2.0 token endpoint (password and refresh_token grants)")
    async def token(self, request: Request[Any, Any, Any], ctx: Ctx, client: Client) -> Response[Any]:
        try:
            pair = await _grant(await _form(request), ctx, client)
        except OAuthError as exc:
            return exc.to_response()
        except InvalidGrant as exc:
            return OAuthError("invalid_grant", str(exc)).to_response()
        body = TokenRead(
            access_token=pair.access_token,
            token_type="Bearer",  # noqa: S106 (the scheme name, not a secret)
            expires_in=pair.expires_in,
            refresh_token=pair.refresh_token,
        )
        return Response(body, headers=NO_STORE)

    @post("/revoke", status_code=200, summary="RFC 7009: revoke a refresh token (and end its session)")
    async def revoke(self, request: Request[Any, Any, Any], ctx: Ctx) -> Response[Any]:
        try:
            form = await _form(request)
            token = _field(form, "token") or ""
        except OAuthError as exc:
            return exc.to_response()
        caller = request.scope.get("user")
        caller_id = UUID(caller.subject) if isinstance(caller, Principal) else None
        await sessions.revoke_refresh_token(RevokeRefreshToken(refresh_token=token), ctx, caller=caller_id)
        return Response(None, status_code=200, headers=NO_STORE)
