"""Onboarded users and the messaging tables.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from switchyard.common.db.migrations import create_messaging_tables_v1, drop_messaging_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "onboarded_users",
        sa.Column("user_id", sa.Uuid, primary_key=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_onboarded_users_email", "onboarded_users", ["email"])
    create_messaging_tables_v1(op.get_bind())


def downgrade() -> None:
    op.drop_table("onboarded_users")
    drop_messaging_tables_v1(op.get_bind())
