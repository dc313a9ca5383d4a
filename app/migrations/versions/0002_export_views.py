"""export views: the database side of the export contract

Read-only views with exactly the columns of participants.csv and
answers.csv (plus campaign_slug), and one row of campaign metadata, so the
analysis package can read a campaign straight from the database
(analysis.load_database) without knowing the app's tables.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 16:40:00
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

VIEWS = {
    "export_participants": """
        SELECT c.slug AS campaign_slug, p.public_id AS participant_id, p.arm,
               p.module_order, p.language, p.status, p.step, p.started_at,
               p.completed_at, p.stratum, p.allocation_seq,
               CASE WHEN p.replaced THEN 1 ELSE 0 END AS replaced
        FROM participant p JOIN campaign c ON c.id = p.campaign_id
    """,
    "export_answers": """
        SELECT c.slug AS campaign_slug, p.public_id AS participant_id, p.arm,
               a.phase, a.module, a.item, a.value, a.text, a.page, a.answered_at,
               a.seconds_on_page
        FROM answer a
        JOIN participant p ON p.id = a.participant_id
        JOIN campaign c ON c.id = p.campaign_id
    """,
    "export_metadata": """
        SELECT c.slug AS campaign_slug, c.title, c.status, c.survey_id, c.survey_version,
               c.seed, c.block_size,
               CASE WHEN c.rebalance_dropouts THEN 1 ELSE 0 END AS rebalance_dropouts,
               c.opened_at, c.closed_at,
               CAST(c.languages AS TEXT) AS languages_json,
               CAST(c.codebook AS TEXT) AS codebook_json,
               CAST(c.preregistration AS TEXT) AS preregistration_json
        FROM campaign c
    """,
}


def upgrade():
    for name, query in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {query}")


def downgrade():
    for name in VIEWS:
        op.execute(f"DROP VIEW {name}")
