"""Outbox rows may hold every event of a transaction (a bundle): one row instead of hundreds.

Two nullable columns, a change to the catalog only. A relay of an earlier release that meets a
bundle during the rollout stops there (its topic is one Kafka refuses) until a new relay leads,
so no event overtakes an earlier one (docs/kubernetes.md, "Upgrading").

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from switchyard.common.db.migrations import add_outbox_bundles_v3, drop_outbox_bundles_v3

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_outbox_bundles_v3(op.get_bind())


def downgrade() -> None:
    drop_outbox_bundles_v3(op.get_bind())
