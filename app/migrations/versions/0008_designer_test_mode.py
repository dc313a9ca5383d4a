"""designer: test participants and per-campaign arm ratios

Participants started from a manager's preview carry ``is_test``; the export
views (as 0004 left them) are made again without them, as the file export
leaves them out by default. Campaigns gain ``arm_weights``, the allocation
ratio chosen in the designer.

Revision ID: 0008_designer
Revises: 0007_analysis_plan
Create Date: 2026-11-26 09:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_designer"
down_revision = "0007_analysis_plan"
branch_labels = None
depends_on = None

PARTICIPANTS = """
    SELECT c.slug AS campaign_slug, p.public_id AS participant_id, p.arm,
           p.module_order, p.language, p.status, p.step, p.started_at,
           p.completed_at, p.stratum, p.allocation_seq,
           CASE WHEN p.replaced THEN 1 ELSE 0 END AS replaced,
           p.outcome, p.followup_completed_at
    FROM participant p JOIN campaign c ON c.id = p.campaign_id
"""
ANSWERS = """
    SELECT c.slug AS campaign_slug, p.public_id AS participant_id, p.arm,
           a.phase, a.module, a.item, a.value, a.text, a.page, a.answered_at,
           a.seconds_on_page
    FROM answer a
    JOIN participant p ON p.id = a.participant_id
    JOIN campaign c ON c.id = p.campaign_id
"""
METADATA = """
    SELECT c.slug AS campaign_slug, c.title, c.status, c.survey_id, c.survey_version,
           c.seed, c.block_size,
           CASE WHEN c.rebalance_dropouts THEN 1 ELSE 0 END AS rebalance_dropouts,
           c.opened_at, c.closed_at,
           CAST(c.languages AS TEXT) AS languages_json,
           CAST(c.codebook AS TEXT) AS codebook_json,
           CAST(c.preregistration AS TEXT) AS preregistration_json,
           CAST(c.strata AS TEXT) AS strata_json
    FROM campaign c
"""
NOT_TEST = " WHERE NOT p.is_test"
VIEWS = ("export_participants", "export_answers", "export_metadata")


def _drop_views() -> None:
    # Dropped before the tables change (SQLite checks views when a table is rebuilt).
    for name in VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {name}")


def _create_views(where: str) -> None:
    op.execute(f"CREATE VIEW export_participants AS {PARTICIPANTS}{where}")
    op.execute(f"CREATE VIEW export_answers AS {ANSWERS}{where}")
    op.execute(f"CREATE VIEW export_metadata AS {METADATA}")


def upgrade():
    _drop_views()
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_test", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("arm_weights", sa.JSON(), nullable=True))
    _create_views(NOT_TEST)


def downgrade():
    _drop_views()
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("arm_weights")
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_column("is_test")
    _create_views("")
