"""Locale, timezone and version (the ETag); keyset and trigram search indexes.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SEARCH_TEXT = "lower(email || ' ' || username || ' ' || coalesce(full_name, ''))"


def upgrade() -> None:
    op.add_column("profiles", sa.Column("locale", sa.Text))
    op.add_column("profiles", sa.Column("timezone", sa.Text))
    op.add_column("profiles", sa.Column("version", sa.Integer, nullable=False, server_default="1"))
    op.drop_index("ix_profiles_created_at", "profiles")
    op.create_index("ix_profiles_created_at_id", "profiles", ["created_at", "id"])
    # pg_trgm is a trusted extension: the database's owner (the service role) may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(f"CREATE INDEX ix_profiles_search_trgm ON profiles USING gin (({SEARCH_TEXT}) gin_trgm_ops)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_profiles_search_trgm")
    op.drop_index("ix_profiles_created_at_id", "profiles")
    op.create_index("ix_profiles_created_at", "profiles", ["created_at"])
    for column in ("version", "timezone", "locale"):
        op.drop_column("profiles", column)
