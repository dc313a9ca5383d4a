"""moderator role: an account that sees only the exchange's moderation queue

Revision ID: 0012_moderator_role
Revises: 0011_job_heartbeat
Create Date: 2026-12-07 02:50:00
"""

from alembic import op

revision = "0012_moderator_role"
down_revision = "0011_job_heartbeat"
branch_labels = None
depends_on = None


def _roles(roles: str) -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_account_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_user_account_role"), f"role IN ({roles})")


def upgrade():
    _roles("'owner', 'manager', 'analyst', 'moderator'")


def downgrade():
    op.execute("UPDATE user_account SET role = 'analyst' WHERE role = 'moderator'")
    _roles("'owner', 'manager', 'analyst'")
