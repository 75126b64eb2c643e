"""Composition root of the auth service."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from litestar import Litestar
from litestar.di import Provide
from opentelemetry.sdk.trace import SpanProcessor

from switchyard.auth.adapters.password_hasher import PasswordHasher
from switchyard.auth.adapters.pruning import expired_credentials
from switchyard.auth.adapters.revocations import SessionDenylist
from switchyard.auth.adapters.secret_box import SecretBox
from switchyard.auth.adapters.signing_keys import ALGORITHM, SigningKeys
from switchyard.auth.adapters.throttle import LoginThrottle
from switchyard.auth.entrypoints.events.subscribers import subscribe_all
from switchyard.auth.entrypoints.http import ROUTES
from switchyard.auth.entrypoints.http.problems import PROBLEMS
from switchyard.auth.service_layer.context import AuthContext
from switchyard.auth.service_layer.registration import ensure_bootstrap_admin
from switchyard.auth.service_layer.unit_of_work import AuthUnitOfWork
from switchyard.auth.settings import AuthSettings, load_auth_settings
from switchyard.common.contracts import produced_by
from switchyard.common.http import JwksVerifier
from switchyard.common.runtime import ServiceRuntime, ServiceSettings, build_runtime

SERVICE = "auth"
# services/auth/, where alembic.ini and migrations/ live.
SERVICE_ROOT = Path(__file__).resolve().parents[3]

PRODUCES = produced_by(SERVICE)


def build_context(runtime: ServiceRuntime, auth: AuthSettings) -> AuthContext:
    redis = runtime.redis
    return AuthContext(
        settings=auth,
        issuer=runtime.settings.jwt.jwt_issuer,
        audience=runtime.settings.jwt.jwt_audience,
        uow=lambda: AuthUnitOfWork(runtime.session_factory),
        hasher=PasswordHasher(
            memory_kib=auth.argon2_memory_kib,
            time_cost=auth.argon2_time_cost,
            parallelism=auth.argon2_parallelism,
            workers=auth.hash_concurrency,
        ),
        keys=SigningKeys(
            runtime.session_factory,
            access_token_ttl_s=auth.access_token_ttl_s,
            passphrase=auth.signing_key_passphrase,
        ),
        throttle=LoginThrottle(
            redis,
            max_failures=auth.login_max_failures,
            window_s=auth.login_window_s,
            ip_max_failures=auth.login_ip_max_failures,
            lockout_s=auth.login_lockout_s,
        ),
        denylist=SessionDenylist(redis, access_token_ttl_s=auth.access_token_ttl_s),
        secrets=SecretBox(auth.totp_encryption_key),
    )


def bootstrap(
    settings: ServiceSettings,
    *,
    auth: AuthSettings | None = None,
    span_processors: Sequence[SpanProcessor] = (),
) -> Litestar:
    auth = auth if auth is not None else load_auth_settings()
    runtime = build_runtime(SERVICE, settings, root=SERVICE_ROOT, span_processors=span_processors)
    runtime.pruner.add(*expired_credentials(timedelta(days=auth.expired_keep_days)))
    ctx = build_context(runtime, auth)
    subscribe_all(runtime, ctx)

    @asynccontextmanager
    async def signing_and_admin(_app: Litestar) -> AsyncIterator[None]:
        await ctx.keys.ensure_active()
        await ensure_bootstrap_admin(ctx, uuid.uuid4())
        try:
            yield
        finally:
            ctx.hasher.close()

    # Auth checks its own tokens against its key store, not over HTTP against itself.
    verifier = JwksVerifier(
        None, ctx.issuer, ctx.audience, algorithms=(ALGORITHM,), keys=ctx.keys, denylist=runtime.redis
    )
    return runtime.app(
        route_handlers=ROUTES,
        produces=PRODUCES,
        verifier=verifier,
        lifespan=[signing_and_admin],
        dependencies={"ctx": Provide(lambda: ctx, use_cache=True, sync_to_thread=False)},
        problems=PROBLEMS,
    )
