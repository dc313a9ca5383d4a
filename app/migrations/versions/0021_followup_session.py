"""participant.followup_session_hash: the panel session that entered the follow-up

A panel id is not a secret, so after a saved follow-up page the id alone no
longer continues someone's follow-up: the panel session id that entered it
(kept here as a keyed hash) or the follow-up code is needed, as in the main
wave (app/participant/panel_resume.py).

Revision ID: 0021_followup_session
Revises: 0020_feedback_order
Create Date: 2026-12-07 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_followup_session"
down_revision = "0020_feedback_order"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("followup_session_hash", sa.String(length=64),
                                      nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL), as 0014 does for panel_session_hash.
    op.execute("ALTER TABLE participant DROP COLUMN followup_session_hash")
