"""Credentials, sessions, refresh and one-time tokens, backup codes and signing keys.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("accounts", sa.Column("password_hash", sa.Text))
    op.add_column("accounts", sa.Column("password_changed_at", _TS))
    op.add_column("accounts", sa.Column("role", sa.Text, nullable=False, server_default="user"))
    op.add_column("accounts", sa.Column("is_active", sa.Boolean, nullable=False, server_default="true"))
    op.add_column("accounts", sa.Column("status_changed_at", _TS))
    op.add_column("accounts", sa.Column("invited", sa.Boolean, nullable=False, server_default="false"))
    op.add_column("accounts", sa.Column("totp_secret", sa.Text))
    op.add_column("accounts", sa.Column("totp_enabled_at", _TS))
    op.add_column("accounts", sa.Column("totp_last_step", sa.BigInteger))
    op.create_table(
        "sessions",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_agent", sa.Text),
        sa.Column("ip", sa.Text),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("last_used_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("revoked_at", _TS),
        sa.Column("revoked_reason", sa.Text),
    )
    op.create_index("ix_sessions_account_id", "sessions", ["account_id"])
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.LargeBinary, primary_key=True),
        sa.Column("session_id", sa.Uuid, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("issued_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("used_at", _TS),
    )
    op.create_index("ix_refresh_tokens_session_id", "refresh_tokens", ["session_id"])
    op.create_table(
        "one_time_tokens",
        sa.Column("token_hash", sa.LargeBinary, primary_key=True),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("used_at", _TS),
    )
    op.create_index("ix_one_time_tokens_account_purpose", "one_time_tokens", ["account_id", "purpose"])
    op.create_table(
        "backup_codes",
        sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("code_hash", sa.LargeBinary, primary_key=True),
        sa.Column("used_at", _TS),
    )
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.Text, primary_key=True),
        sa.Column("algorithm", sa.Text, nullable=False),
        sa.Column("private_key", sa.Text, nullable=False),
        sa.Column("public_jwk", JSONB, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("retired_at", _TS),
    )
    op.create_index(
        "ux_signing_keys_active",
        "signing_keys",
        [sa.text("(retired_at IS NULL)")],
        unique=True,
        postgresql_where=sa.text("retired_at IS NULL"),
    )


def downgrade() -> None:
    for table in ("signing_keys", "backup_codes", "one_time_tokens", "refresh_tokens", "sessions"):
        op.drop_table(table)
    for column in (
        "totp_last_step",
        "totp_enabled_at",
        "totp_secret",
        "invited",
        "status_changed_at",
        "is_active",
        "role",
        "password_changed_at",
        "password_hash",
    ):
        op.drop_column("accounts", column)
