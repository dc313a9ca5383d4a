"""analysis plan: the plan's text and SHA-256, stored when the campaign opens

Revision ID: 0007_analysis_plan
Revises: 0006_console_arrivals
Create Date: 2026-11-26 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_analysis_plan"
down_revision = "0006_console_arrivals"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaign") as batch:
        batch.add_column(sa.Column("plan_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("plan_sha256", sa.String(length=64), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch rebuild of campaign
    # is refused by SQLite while the export views read it.
    op.execute("ALTER TABLE campaign DROP COLUMN plan_sha256")
    op.execute("ALTER TABLE campaign DROP COLUMN plan_text")
