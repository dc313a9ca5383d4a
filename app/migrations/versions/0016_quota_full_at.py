"""quota.full_at: when a quota last filled up, so the monitor can say places are free again (issue 19)

Revision ID: 0016_quota_full_at
Revises: 0015_panel_study_session
Create Date: 2026-12-07 03:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_quota_full_at"
down_revision = "0015_panel_study_session"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("quota", schema=None) as batch_op:
        batch_op.add_column(sa.Column("full_at", sa.DateTime(timezone=True), nullable=True))
    # A quota full today was full at some moment; when is not known.
    quota = sa.table("quota", sa.column("used", sa.Integer()), sa.column("cap", sa.Integer()),
                     sa.column("full_at", sa.DateTime(timezone=True)))
    op.execute(quota.update().where(quota.c.used >= quota.c.cap)
               .values(full_at=sa.func.current_timestamp()))


def downgrade():
    op.execute("ALTER TABLE quota DROP COLUMN full_at")
