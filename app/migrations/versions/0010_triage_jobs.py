"""triage jobs: the job table accepts kind 'triage' (the exchange's automatic checks)

Revision ID: 0010_triage_jobs
Revises: 0009_exchange
Create Date: 2026-12-07 02:40:00
"""

from alembic import op

revision = "0010_triage_jobs"
down_revision = "0009_exchange"
branch_labels = None
depends_on = None


def _kinds(kinds: str) -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_job_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_job_kind"), f"kind IN ({kinds})")


def upgrade():
    _kinds("'export', 'report', 'triage'")


def downgrade():
    op.execute("DELETE FROM job WHERE kind = 'triage'")
    _kinds("'export', 'report'")
