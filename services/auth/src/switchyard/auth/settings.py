"""The auth service's own settings (``AUTH_*``), beside the ones every service shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import msgspec

from switchyard.auth.adapters.secret_box import SecretBox
from switchyard.auth.domain.errors import InvalidInput
from switchyard.auth.domain.identities import admin_username, normalize_email
from switchyard.auth.domain.passwords import PasswordPolicy, check_password
from switchyard.common.settings import SettingsError, load_settings, redacted_repr

_Seconds = Annotated[int, msgspec.Meta(ge=1)]


class AuthSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Every knob of auth, read from ``AUTH_<NAME>``; the defaults are the secure ones."""

    # NIST SP 800-63B rev. 4: at least 15 for a single-factor password, never below 8.
    password_min_length: Annotated[int, msgspec.Meta(ge=8, le=64)] = 15
    password_max_length: Annotated[int, msgspec.Meta(ge=64, le=1024)] = 128
    # zxcvbn scores 0-4; below this a password is too guessable.
    password_min_score: Annotated[int, msgspec.Meta(ge=0, le=4)] = 3

    access_token_ttl_s: _Seconds = 15 * 60
    refresh_token_ttl_s: _Seconds = 30 * 24 * 3600
    # A rotated refresh token presented again within this many seconds is refused without
    # revoking the session (a client retrying a lost response); 0 = strict RFC 9700 reuse detection.
    refresh_reuse_interval_s: Annotated[int, msgspec.Meta(ge=0, le=60)] = 0

    login_max_failures: Annotated[int, msgspec.Meta(ge=1)] = 5
    login_window_s: _Seconds = 15 * 60
    login_ip_max_failures: Annotated[int, msgspec.Meta(ge=1)] = 50
    # First lockout; each further lockout in a day doubles it, up to the window.
    login_lockout_s: _Seconds = 60

    verification_token_ttl_s: _Seconds = 48 * 3600
    reset_token_ttl_s: _Seconds = 30 * 60
    invitation_token_ttl_s: _Seconds = 14 * 24 * 3600
    # Expired sessions (their refresh tokens with them) and one-time tokens are deleted this many
    # days after they expire (switchyard.common.db.pruning). Until then a used refresh token of an
    # expired session presented again is still reported as reuse.
    expired_keep_days: Annotated[float, msgspec.Meta(ge=0)] = 7.0

    enumeration_safe_registration: bool = False

    # OWASP Password Storage Cheat Sheet, argon2id: m=19 MiB, t=2, p=1.
    argon2_memory_kib: Annotated[int, msgspec.Meta(ge=7168)] = 19456
    argon2_time_cost: Annotated[int, msgspec.Meta(ge=1)] = 2
    argon2_parallelism: Annotated[int, msgspec.Meta(ge=1)] = 1
    # Hashes running at once (each holds argon2_memory_kib); 0 = one per CPU.
    hash_concurrency: Annotated[int, msgspec.Meta(ge=0)] = 0

    signing_key_passphrase: str | None = None
    # A Fernet key (Fernet.generate_key()) sealing TOTP seeds at rest; unset stores them as given.
    totp_encryption_key: str | None = None
    # Where clients reach this API (through the gateway), for the RFC 8414 metadata document.
    public_url: str = "http://localhost:8080/api/v1/auth"

    bootstrap_admin_email: str | None = None
    bootstrap_admin_password: str | None = None

    def __repr__(self) -> str:
        return redacted_repr(
            self, ("signing_key_passphrase", "totp_encryption_key", "bootstrap_admin_password")
        )

    @property
    def password_policy(self) -> PasswordPolicy:
        return PasswordPolicy(
            min_length=self.password_min_length,
            max_length=self.password_max_length,
            min_score=self.password_min_score,
        )


def load_auth_settings(environ: Mapping[str, str] | None = None) -> AuthSettings:
    """Read ``AUTH_*``; a bad value, or a bootstrap admin login auth would refuse, raises SettingsError."""
    settings = load_settings(AuthSettings, prefix="AUTH_", environ=environ)
    _check_bootstrap_admin(settings)
    _check_totp_key(settings)
    return settings


def _check_totp_key(settings: AuthSettings) -> None:
    if settings.totp_encryption_key is None:
        return
    try:
        SecretBox(settings.totp_encryption_key)
    except ValueError:
        raise SettingsError(
            "AUTH_TOTP_ENCRYPTION_KEY", "not a Fernet key (32 url-safe base64-encoded bytes)"
        ) from None


def _check_bootstrap_admin(settings: AuthSettings) -> None:
    email, password = settings.bootstrap_admin_email, settings.bootstrap_admin_password
    if not email or not password:
        return
    try:
        normalize_email(email)
    except InvalidInput as exc:
        raise SettingsError("AUTH_BOOTSTRAP_ADMIN_EMAIL", str(exc)) from None
    try:
        check_password(password, settings.password_policy, user_inputs=(email, admin_username(email)))
    except InvalidInput as exc:
        raise SettingsError("AUTH_BOOTSTRAP_ADMIN_PASSWORD", str(exc)) from None
