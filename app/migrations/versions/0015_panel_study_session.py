"""panel study and session ids: kept with the participant and exported (issue 19)

Prolific's STUDY_ID and SESSION_ID (MTurk's hitId and assignmentId) of the
link a participant started from. They are not personal data; the panel id
itself stays stored only as its keyed hash.

Revision ID: 0015_panel_study_session
Revises: 0014_panel_session
Create Date: 2026-12-07 03:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_panel_study_session"
down_revision = "0014_panel_session"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("panel_study_id", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("panel_session_id", sa.String(length=128), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch rebuild of participant
    # is refused by SQLite while the export views read it.
    op.execute("ALTER TABLE participant DROP COLUMN panel_session_id")
    op.execute("ALTER TABLE participant DROP COLUMN panel_study_id")
