"""campaign.survey_files: every campaign keeps its own copy of its survey (issue 19)

Existing campaigns get their copy here, from their survey folder, when the
folder still holds the version they pinned. A campaign whose folder is gone
or changed gets none (it reads the folder as before, and says so if the
version differs): a copy of changed files would not be its survey.

Revision ID: 0017_campaign_survey_copy
Revises: 0016_quota_full_at
Create Date: 2026-12-07 03:40:00
"""

import sqlalchemy as sa
from alembic import op

from app.campaigns.survey_copy import survey_files
from app.campaigns.surveys import resolve_survey_path
from surveys import SurveyError, load_survey

revision = "0017_campaign_survey_copy"
down_revision = "0016_quota_full_at"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("survey_files", sa.JSON(), nullable=True))
    campaign = sa.table("campaign", sa.column("id", sa.Integer()),
                        sa.column("survey_path", sa.String()),
                        sa.column("survey_version", sa.String()),
                        sa.column("survey_files", sa.JSON()))
    bind = op.get_bind()
    for row in bind.execute(sa.select(campaign.c.id, campaign.c.survey_path,
                                      campaign.c.survey_version)).all():
        folder = resolve_survey_path(row.survey_path)
        try:
            pinned = folder.is_dir() and load_survey(folder).version == row.survey_version
        except SurveyError:
            pinned = False
        if pinned:
            bind.execute(campaign.update().where(campaign.c.id == row.id)
                         .values(survey_files=survey_files(folder)))


def downgrade():
    op.execute("ALTER TABLE campaign DROP COLUMN survey_files")
