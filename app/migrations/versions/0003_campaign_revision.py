"""campaign.revision: a number raised on every change, for per-process campaign caches

Revision ID: 0003_campaign_revision
Revises: 0002
Create Date: 2026-11-26 09:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_campaign_revision"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaign") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL), as in 0007.
    op.execute("ALTER TABLE campaign DROP COLUMN revision")
