"""participant.feedback_order: where the follow-up's feedback page comes (issue 21, item 6)

"before" or "after" the re-asked questions, randomised when the follow-up
starts; "none" when the survey has no exchange. Participants who started
the follow-up before this revision keep null (no feedback page: their
follow-up goes on as it began).

Revision ID: 0020_feedback_order
Revises: 0019_frozen_set_source
Create Date: 2026-12-07 05:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_feedback_order"
down_revision = "0019_frozen_set_source"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feedback_order", sa.String(length=8), nullable=True))


def downgrade():
    op.execute("ALTER TABLE participant DROP COLUMN feedback_order")
