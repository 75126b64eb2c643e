"""processed_events indexed by age, so records past their retention can be pruned.

Building the index (switchyard.common.db.tables) reads the table once and holds off writes to it
meanwhile: seconds for millions of records.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

from switchyard.common.db.migrations import (
    create_processed_events_age_index_v2,
    drop_processed_events_age_index_v2,
)

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_processed_events_age_index_v2(op.get_bind())


def downgrade() -> None:
    drop_processed_events_age_index_v2(op.get_bind())
