"""panel session: the keyed hash of the panel's session id a participant started with

Revision ID: 0014_panel_session
Revises: 0013_show_results
Create Date: 2026-12-07 03:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_panel_session"
down_revision = "0013_show_results"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("panel_session_hash", sa.String(length=64), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch rebuild of participant
    # is refused by SQLite while the export views read it.
    op.execute("ALTER TABLE participant DROP COLUMN panel_session_hash")
