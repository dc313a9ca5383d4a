"""show_results: running results on the thanks page become opt-in (issue 19, 5)

New campaigns start with the switch off. Existing campaigns keep what they
did (results shown once enough people completed): a campaign that is
fielding must not change what its participants see halfway, which would
split it into two conditions; its operator can switch it off with
``parley campaign edit SLUG --no-show-results`` (or the design page).

Revision ID: 0013_show_results
Revises: 0012_moderator_role
Create Date: 2026-12-07 02:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_show_results"
down_revision = "0012_moderator_role"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("show_results", sa.Boolean(), server_default="0", nullable=False)
        )
    campaign = sa.table("campaign", sa.column("show_results", sa.Boolean()))
    op.execute(campaign.update().values(show_results=True))


def downgrade():
    # A plain DROP COLUMN (SQLite 3.35+ and PostgreSQL): batch mode would rebuild
    # the table, which SQLite refuses while the export views (0008) read it.
    op.execute("ALTER TABLE campaign DROP COLUMN show_results")
