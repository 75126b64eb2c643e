"""sessions and one_time_tokens indexed by expiry, so expired ones can be pruned.

Both are built CONCURRENTLY, outside a transaction: logins and token issues go on meanwhile. An
index a failed build left behind (invalid) is dropped first, so the migration can run again.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from switchyard.common.db.migrations import create_index_concurrently

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        create_index_concurrently(op.get_bind(), "ix_sessions_expires_at", "sessions", ["expires_at"])
        create_index_concurrently(
            op.get_bind(), "ix_one_time_tokens_expires_at", "one_time_tokens", ["expires_at"]
        )


def downgrade() -> None:
    op.drop_index("ix_one_time_tokens_expires_at", "one_time_tokens")
    op.drop_index("ix_sessions_expires_at", "sessions")
