"""Deliveries and the messaging tables.

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
        "deliveries",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("user_id", sa.Uuid),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("template", sa.Text, nullable=False),
        sa.Column("source_event_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("source_event_id", "template", name="uq_deliveries_source_event_template"),
    )
    op.create_index("ix_deliveries_user_id", "deliveries", ["user_id"])
    create_messaging_tables_v1(op.get_bind())


def downgrade() -> None:
    op.drop_table("deliveries")
    drop_messaging_tables_v1(op.get_bind())
