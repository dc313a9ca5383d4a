"""frozen_set.source_campaign_id: a display set frozen from an earlier campaign (issue 21, 5)

"The frozen set can come from an earlier campaign (a seeding pilot) or from
this one's first stage": a set's members may be statements of another
campaign of the same survey, and the set records which one.

Revision ID: 0019_frozen_set_source
Revises: 0018_shared_files
Create Date: 2026-12-07 05:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_frozen_set_source"
down_revision = "0018_shared_files"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("frozen_set", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_campaign_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_frozen_set_source_campaign_id_campaign"),
                                    "campaign", ["source_campaign_id"], ["id"],
                                    ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("frozen_set", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_frozen_set_source_campaign_id_campaign"),
                                 type_="foreignkey")
        batch_op.drop_column("source_campaign_id")
