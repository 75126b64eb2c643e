"""Tombstones of erased users (see switchyard.common.db.erasure).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from switchyard.common.db.erasure import create_erased_users_v1, drop_erased_users_v1

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_erased_users_v1(op.get_bind())


def downgrade() -> None:
    drop_erased_users_v1(op.get_bind())
