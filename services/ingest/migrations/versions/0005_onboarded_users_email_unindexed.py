"""No index on onboarded_users.email: nothing looks people up by it, and every imported row paid for it.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_onboarded_users_email", "onboarded_users")


def downgrade() -> None:
    op.create_index("ix_onboarded_users_email", "onboarded_users", ["email"])
