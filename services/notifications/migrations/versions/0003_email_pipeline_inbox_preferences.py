"""The email pipeline (retry schedule, render context, claims), recipients, inbox and preferences.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("category", sa.Text, nullable=False, server_default="account"))
    op.add_column("deliveries", sa.Column("locale", sa.Text))
    op.add_column("deliveries", sa.Column("context", JSONB, nullable=False, server_default="{}"))
    op.add_column(
        "deliveries", sa.Column("next_attempt_at", _TS, nullable=False, server_default=sa.func.now())
    )
    op.add_column("deliveries", sa.Column("claimed_until", _TS))
    op.add_column("deliveries", sa.Column("sent_at", _TS))
    op.add_column("deliveries", sa.Column("updated_at", _TS, nullable=False, server_default=sa.func.now()))
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
    op.create_table(
        "recipients",
        sa.Column("user_id", sa.Uuid, primary_key=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("full_name", sa.Text),
        sa.Column("locale", sa.Text),
    )
    op.create_table(
        "inbox_items",
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("id", sa.Uuid, nullable=False, unique=True),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("link", sa.Text),
        sa.Column("source_event_id", sa.Uuid, nullable=False),
        sa.Column("created_at", _TS, nullable=False, server_default=sa.func.now()),
        sa.Column("read_at", _TS),
        sa.UniqueConstraint("source_event_id", "user_id", name="uq_inbox_items_source_event_user"),
    )
    op.create_index("ix_inbox_items_user_seq", "inbox_items", ["user_id", "seq"])
    op.create_table(
        "preferences",
        sa.Column("user_id", sa.Uuid, primary_key=True),
        sa.Column("opted_out", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("updated_at", _TS, nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    for table in ("preferences", "inbox_items", "recipients"):
        op.drop_table(table)
    op.drop_index("ix_deliveries_due", "deliveries")
    for column in (
        "updated_at",
        "sent_at",
        "claimed_until",
        "next_attempt_at",
        "context",
        "locale",
        "category",
    ):
        op.drop_column("deliveries", column)
