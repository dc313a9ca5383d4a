"""display_order: the order each participant saw a shuffled page's items and options (issue 22)

Revision ID: 0022_display_order
Revises: 0021_followup_session
Create Date: 2026-12-07 05:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_display_order"
down_revision = "0021_followup_session"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "display_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("module", sa.String(length=64), nullable=False),
        sa.Column("page", sa.String(length=64), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("options", sa.Text(), nullable=True),
        sa.CheckConstraint("phase IN ('profile', 'pre', 'module', 'post', 'followup')",
                           name=op.f("ck_display_order_phase")),
        sa.CheckConstraint("position >= 1", name=op.f("ck_display_order_position")),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"],
                                name=op.f("fk_display_order_participant_id_participant"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_display_order")),
        sa.UniqueConstraint("participant_id", "phase", "module", "item",
                            name=op.f("uq_display_order_participant_id_phase_module_item")),
    )
    with op.batch_alter_table("display_order", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_display_order_participant_id"), ["participant_id"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("display_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_display_order_participant_id"))
    op.drop_table("display_order")
