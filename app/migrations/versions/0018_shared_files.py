"""job_file_chunk and uploaded_survey: files every app host can read (issue 24, 5)

App hosts share the database and nothing else. A finished export or report
made by an RQ worker on one host is downloaded through any host, and a
survey uploaded through one host is offered by every host; so both are kept
in the database. Surveys already uploaded on the host that runs this
upgrade are recorded here from its instance folder.

Revision ID: 0018_shared_files
Revises: 0017_campaign_survey_copy
Create Date: 2026-12-07 05:40:00
"""

import sqlalchemy as sa
from alembic import op

from app.campaigns.survey_copy import survey_files
from app.campaigns.surveys import uploaded_surveys_folder
from surveys import SurveyError, load_survey

revision = "0018_shared_files"
down_revision = "0017_campaign_survey_copy"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_file_chunk",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name="fk_job_file_chunk_job_id_job",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "seq", name="pk_job_file_chunk"),
    )
    uploaded = op.create_table(
        "uploaded_survey",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_uploaded_survey"),
    )
    store = uploaded_surveys_folder()
    rows = []
    for folder in sorted(store.iterdir()) if store.is_dir() else []:
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        try:
            version = load_survey(folder).version
        except SurveyError:
            continue
        rows.append({"name": folder.name, "version": version, "files": survey_files(folder),
                     "created_at": sa.func.current_timestamp()})
    for row in rows:
        op.get_bind().execute(uploaded.insert().values(**row))


def downgrade():
    op.drop_table("uploaded_survey")
    op.drop_table("job_file_chunk")
