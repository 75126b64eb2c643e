"""The auth database schema (Alembic migrations are written against this MetaData).

Secrets are never stored as given: passwords as argon2id hashes, refresh, one-time and backup
tokens as SHA-256 digests (they are long random values, so a fast hash is enough).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from switchyard.common.db import add_messaging_tables

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", Text, nullable=False, unique=True),
    Column("username", Text, nullable=False, unique=True),
    Column("full_name", Text),
    Column("email_verified", Boolean, nullable=False, server_default="false"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # NULL for an invited account until the invitation is accepted.
    Column("password_hash", Text),
    Column("password_changed_at", DateTime(timezone=True)),
    Column("role", Text, nullable=False, server_default="user"),
    Column("is_active", Boolean, nullable=False, server_default="true"),
    # occurred_at of the users event that last set is_active: events on two topics may arrive late.
    Column("status_changed_at", DateTime(timezone=True)),
    Column("invited", Boolean, nullable=False, server_default="false"),
    Column("totp_secret", Text),
    Column("totp_enabled_at", DateTime(timezone=True)),
    # The last accepted TOTP time step, so a code is never accepted twice.
    Column("totp_last_step", BigInteger),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("user_agent", Text),
    Column("ip", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_reason", Text),
    Index("ix_sessions_account_id", "account_id"),
    # What pruning walks, oldest first (switchyard.common.db.pruning).
    Index("ix_sessions_expires_at", "expires_at"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", LargeBinary, primary_key=True),
    Column("session_id", Uuid, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    # Set when the token is exchanged; presenting it again is reuse.
    Column("used_at", DateTime(timezone=True)),
    Index("ix_refresh_tokens_session_id", "session_id"),
)

one_time_tokens = Table(
    "one_time_tokens",
    metadata,
    Column("token_hash", LargeBinary, primary_key=True),
    # verify-email, reset-password or invitation
    Column("purpose", Text, nullable=False),
    Column("account_id", Uuid, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Index("ix_one_time_tokens_account_purpose", "account_id", "purpose"),
    # What pruning walks, oldest first.
    Index("ix_one_time_tokens_expires_at", "expires_at"),
)

backup_codes = Table(
    "backup_codes",
    metadata,
    Column("account_id", Uuid, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("code_hash", LargeBinary, primary_key=True),
    Column("used_at", DateTime(timezone=True)),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", Text, primary_key=True),
    Column("algorithm", Text, nullable=False),
    # PKCS#8 PEM, encrypted when AUTH_SIGNING_KEY_PASSPHRASE is set.
    Column("private_key", Text, nullable=False),
    Column("public_jwk", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # When a newer key took over; published until its last token expired.
    Column("retired_at", DateTime(timezone=True)),
    # At most one key signs at a time.
    Index(
        "ux_signing_keys_active",
        text("(retired_at IS NULL)"),
        unique=True,
        postgresql_where=text("retired_at IS NULL"),
    ),
)

add_messaging_tables(metadata)
