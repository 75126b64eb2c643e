"""Replays the first response to a POST retried with the same ``Idempotency-Key``.

Applies to every POST route that receives the header (requests without it run normally); a route
opts out with ``opt={"idempotency": False}``. Keys are scoped per route and per caller (the token's
subject, or ``anonymous``). Responses with status >= 500 are not stored, so the client may retry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar import Request
from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware

from switchyard.common.http.auth.principal import Principal
from switchyard.common.http.idempotency import (
    IDEMPOTENCY_HEADER,
    Claimed,
    IdempotencyStore,
    Replay,
    StoredResponse,
    fingerprint,
    is_valid_key,
)
from switchyard.common.http.problems import ProblemError

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

OPT_KEY = "idempotency"
MAX_STORED_BODY_BYTES = 1_048_576


class IdempotencyMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, store: IdempotencyStore) -> None:
        self.store = store

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        key = Headers.from_scope(scope).get(IDEMPOTENCY_HEADER)
        if scope.get("method") != "POST" or key is None or scope["route_handler"].opt.get(OPT_KEY) is False:
            await next_app(scope, receive, send)
            return
        if not is_valid_key(key):
            raise ProblemError(400, None, "Idempotency-Key must be 1-255 visible ASCII characters.")
        # Reading through Request enforces the body limit and caches the body for the handler.
        body = await Request[Any, Any, Any](scope, receive).body()
        principal = scope.get("user")
        caller = principal.subject if isinstance(principal, Principal) else "anonymous"
        redis_key = self.store.redis_key(f"POST {scope['path_template']}", caller, key)
        request_fingerprint = fingerprint("POST", scope["path"], scope.get("query_string", b""), body)
        outcome = await self.store.claim(redis_key, request_fingerprint)
        if outcome == "mismatch":
            raise ProblemError(422, None, "This Idempotency-Key was already used with a different request.")
        if outcome == "in_progress":
            raise ProblemError(409, None, "A request with this Idempotency-Key is still in progress.")
        if isinstance(outcome, Replay):
            await _send_stored(outcome.response, send)
            return
        await self._run_and_store(scope, receive, send, next_app, redis_key, outcome)

    async def _run_and_store(
        self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp, redis_key: str, claimed: Claimed
    ) -> None:
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(status=message["status"], headers=Headers(list(message.get("headers", []))))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await next_app(scope, receive, capture)
        except BaseException:
            await self.store.release(redis_key, claimed)
            raise
        body = b"".join(chunks)
        status = start.get("status", 500)
        if status >= 500 or len(body) > MAX_STORED_BODY_BYTES:
            await self.store.release(redis_key, claimed)
            return
        headers: Headers = start["headers"]
        stored = StoredResponse(status, body, headers.get("content-type"), headers.get("location"))
        await self.store.complete(redis_key, claimed, stored)


async def _send_stored(response: StoredResponse, send: Send) -> None:
    headers = [(b"content-length", str(len(response.body)).encode()), (b"idempotent-replayed", b"true")]
    if response.content_type:
        headers.append((b"content-type", response.content_type.encode("latin-1")))
    if response.location:
        headers.append((b"location", response.location.encode("latin-1")))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body, "more_body": False})
