"""What auth prunes beside consumers' processed events (switchyard.common.db.pruning)."""

from __future__ import annotations

from datetime import timedelta

from switchyard.auth.adapters.orm import one_time_tokens, sessions
from switchyard.common.db.pruning import AgeRule


def expired_credentials(keep: timedelta) -> list[AgeRule]:
    """Sessions and one-time tokens ``keep`` after they expired (``AUTH_EXPIRED_KEEP_DAYS``).

    A session's refresh tokens go with it (``ON DELETE CASCADE``). Clients see no difference: an
    expired one-time token is refused as an unknown one is, and so is any refresh token of an expired
    session, except that a used one presented again no longer counts as reuse (its session, expired,
    has nothing left to revoke).
    """
    return [
        AgeRule("expired-sessions", sessions.c.expires_at, keep),
        AgeRule("expired-one-time-tokens", one_time_tokens.c.expires_at, keep),
    ]
