"""processed_events indexed by age, so records past their retention can be pruned.

The index (switchyard.common.db.tables) is built CONCURRENTLY, outside a transaction: consumers
keep writing records meanwhile, and the build takes a few table scans.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from switchyard.common.db.migrations import (
    create_processed_events_age_index_v2,
    drop_processed_events_age_index_v2,
)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        create_processed_events_age_index_v2(op.get_bind())


def downgrade() -> None:
    drop_processed_events_age_index_v2(op.get_bind())
