"""sessions and one_time_tokens indexed by expiry, so expired ones can be pruned.

Both are built CONCURRENTLY, outside a transaction: logins and token issues go on meanwhile. An
index a failed build left behind (invalid) is dropped first, so the migration can run again.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        for name, table in (
            ("ix_sessions_expires_at", "sessions"),
            ("ix_one_time_tokens_expires_at", "one_time_tokens"),
        ):
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            op.create_index(name, table, ["expires_at"], postgresql_concurrently=True)


def downgrade() -> None:
    op.drop_index("ix_one_time_tokens_expires_at", "one_time_tokens")
    op.drop_index("ix_sessions_expires_at", "sessions")
