"""import_answers without its foreign key: a working table, written only under the job's row lock.

The key's check ran once per answered row (a million per million-row file) to confirm what the
lock held by the same transaction already guarantees; the rows now go when their import completes.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Answers of imports already completed serve nothing any more. Deleted first: dropping the key
    # locks both tables (imports too) against reads until the commit, so that comes last.
    op.execute(
        sa.text(
            "DELETE FROM import_answers a USING imports i"
            " WHERE a.import_id = i.id AND i.status = 'completed' AND NOT i.dry_run"
        )
    )
    op.drop_constraint("import_answers_import_id_fkey", "import_answers", type_="foreignkey")


def downgrade() -> None:
    op.execute(
        sa.text(
            "DELETE FROM import_answers a WHERE NOT EXISTS (SELECT 1 FROM imports i WHERE i.id = a.import_id)"
        )
    )
    op.create_foreign_key(
        "import_answers_import_id_fkey",
        "import_answers",
        "imports",
        ["import_id"],
        ["id"],
        ondelete="CASCADE",
    )
