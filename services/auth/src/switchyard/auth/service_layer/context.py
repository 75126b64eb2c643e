"""What the auth use cases work with besides a unit of work, built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from switchyard.auth.adapters.password_hasher import PasswordHasher
from switchyard.auth.adapters.revocations import SessionDenylist
from switchyard.auth.adapters.secret_box import SecretBox
from switchyard.auth.adapters.signing_keys import SigningKeys
from switchyard.auth.adapters.throttle import LoginThrottle
from switchyard.auth.domain.model import utcnow
from switchyard.auth.domain.passwords import PasswordPolicy
from switchyard.auth.service_layer.unit_of_work import AuthUnitOfWork
from switchyard.auth.settings import AuthSettings


@dataclass(frozen=True, kw_only=True)
class AuthContext:
    settings: AuthSettings
    issuer: str
    audience: str
    uow: Callable[[], AuthUnitOfWork]
    hasher: PasswordHasher
    keys: SigningKeys
    throttle: LoginThrottle
    denylist: SessionDenylist
    secrets: SecretBox
    clock: Callable[[], datetime] = field(default=utcnow)

    @property
    def policy(self) -> PasswordPolicy:
        return self.settings.password_policy
