"""sessions and one_time_tokens indexed by expiry, so expired ones can be pruned.

Building each index reads its table once and holds off writes to it meanwhile (logins, token
issues): seconds for millions of rows.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sessions_expires_at", "sessions", ["expires_at"])
    op.create_index("ix_one_time_tokens_expires_at", "one_time_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_one_time_tokens_expires_at", "one_time_tokens")
    op.drop_index("ix_sessions_expires_at", "sessions")
