"""Erasure reaches import errors: onboarded users keep their username, duplicate rows are found by value.

A row refused as a duplicate quotes the email or username of an earlier row of the file; when the
person that row onboarded is erased, those quotes go too (service_layer/handlers.py).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("onboarded_users", sa.Column("username", sa.Text(), nullable=True))
    op.create_index(
        "ix_import_errors_duplicate_value",
        "import_errors",
        ["value"],
        postgresql_where=sa.text("code = 'duplicate'"),
    )


def downgrade() -> None:
    op.drop_index("ix_import_errors_duplicate_value", "import_errors")
    op.drop_column("onboarded_users", "username")
