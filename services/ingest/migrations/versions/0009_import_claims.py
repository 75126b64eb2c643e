"""import_claims: the identities an import's rows took, kept in the database instead of in memory.

Duplicate rows were found with a set of every accepted row's fingerprints in the importer's memory,
32-64 bytes a row: a 200 MB file of short rows took more memory than the service has. The claims
now go with each checkpoint. An import being read during the upgrade has none for the rows before
its checkpoint, so ingest no longer refuses a later row repeating one of them (docs/kubernetes.md,
"Upgrading").

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_claims",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("fingerprint", sa.BigInteger(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("import_id", "fingerprint", name="pk_import_claims"),
    )


def downgrade() -> None:
    op.drop_table("import_claims")
