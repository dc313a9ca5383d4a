"""console: landing-page arrivals per campaign and hour (top of the monitor's funnel)

Revision ID: 0006_console_arrivals
Revises: 0005_console
Create Date: 2026-11-26 09:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_console_arrivals"
down_revision = "0005_console"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "arrival",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"],
                                name=op.f("fk_arrival_campaign_id_campaign"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("campaign_id", "hour", name=op.f("pk_arrival")),
    )


def downgrade():
    op.drop_table("arrival")
