"""A structlog processor that keeps secrets out of log lines."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from structlog.typing import EventDict

REDACTED = "[REDACTED]"

_SENSITIVE_PARTS = (
    "password",
    "passwd",
    "secret",
    "authorization",
    "cookie",
    "api_key",
    "apikey",
    "credential",
    "private_key",
)


def is_sensitive_key(key: str) -> bool:
    """Whether a field named ``key`` may carry a secret (``access_token`` yes, ``token_id`` no)."""
    normalized = key.lower().replace("-", "_")
    if any(part in normalized for part in _SENSITIVE_PARTS):
        return True
    return normalized == "token" or normalized.endswith("_token") or normalized == "jwt"


def _redact(value: Any, depth: int) -> Any:
    if depth > 8:
        return value
    if isinstance(value, Mapping):
        return {k: REDACTED if is_sensitive_key(str(k)) else _redact(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact(item, depth + 1) for item in value)
    if isinstance(value, str) and value[:7].lower() == "bearer ":
        return REDACTED
    return value


def redact_secrets(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    """Replace values of secret-looking keys (at any depth) and bearer credentials with a marker."""
    return {
        key: REDACTED if key != "event" and is_sensitive_key(key) else _redact(value, 0)
        for key, value in event_dict.items()
    }
