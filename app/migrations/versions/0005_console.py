"""console: team roles and campaign membership, account links, append-only audit
trail, background jobs, retention

Roles admin/viewer become owner/analyst. Every account gets a session token
(what its session cookie names). audit_event loses its foreign key to
campaign (a record outlives its campaign) and gains the campaign's slug and
the client address; triggers make it append-only on both backends.

Revision ID: 0005_console
Revises: 0004_fielding
Create Date: 2026-11-26 09:10:00
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0005_console"
down_revision = "0004_fielding"
branch_labels = None
depends_on = None

# Frozen copy of app.models.audit.APPEND_ONLY_DDL (a migration never imports app code).
APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$",
        "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
    ],
}
DROP_APPEND_ONLY = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_event_no_update",
               "DROP TRIGGER IF EXISTS audit_event_no_delete"],
    "postgresql": ["DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event",
                   "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
                   "DROP FUNCTION IF EXISTS audit_event_append_only()"],
}


def upgrade():
    dialect = op.get_bind().dialect.name
    # SQLite rebuilds user_account in batch mode (DROP + rename, with foreign
    # keys on), so this runs before any table refers to it.
    # Accounts: new columns (filled for existing rows), roles renamed.
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.add_column(sa.Column("active", sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column("session_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_login_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.drop_constraint(op.f("ck_user_account_role"), type_="check")
    conn = op.get_bind()
    users = sa.table("user_account", sa.column("id", sa.Integer),
                     sa.column("session_token", sa.String), sa.column("role", sa.String))
    for (user_id,) in conn.execute(sa.select(users.c.id)).all():
        conn.execute(users.update().where(users.c.id == user_id)
                     .values(session_token=secrets.token_hex(16)))
    conn.execute(users.update().where(users.c.role == "admin").values(role="owner"))
    conn.execute(users.update().where(users.c.role == "viewer").values(role="analyst"))
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.alter_column("active", server_default=None)
        batch_op.alter_column("session_token", existing_type=sa.String(length=32),
                              nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_user_account_session_token"),
                                          ["session_token"])
        batch_op.create_check_constraint(op.f("ck_user_account_role"),
                                         "role IN ('owner', 'manager', 'analyst')")

    op.create_table(
        "account_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("purpose IN ('invite', 'reset')", name=op.f("ck_account_token_purpose")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_account_token_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_token_token_hash")),
    )
    op.create_index("ix_account_token_user", "account_token", ["user_id"])

    op.create_table(
        "campaign_member",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"],
                                name=op.f("fk_campaign_member_campaign_id_campaign"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_campaign_member_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("campaign_id", "user_id", name=op.f("pk_campaign_member")),
    )
    op.create_index(op.f("ix_campaign_member_user_id"), "campaign_member", ["user_id"])

    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("fmt", sa.String(length=16), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("requested_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('export', 'report')", name=op.f("ck_job_kind")),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')",
                           name=op.f("ck_job_status")),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name=op.f("ck_job_progress")),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"],
                                name=op.f("fk_job_campaign_id_campaign"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    op.create_index("ix_job_campaign_created", "job", ["campaign_id", "created_at"])

    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.add_column(sa.Column("campaign_slug", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("remote_addr", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_audit_event_action", ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_campaign_id"), ["campaign_id"],
                              unique=False)
        batch_op.drop_constraint(batch_op.f("fk_audit_event_campaign_id_campaign"),
                                 type_="foreignkey")
    # Existing rows learn their campaign's slug before the table is sealed.
    op.execute("UPDATE audit_event SET campaign_slug = (SELECT slug FROM campaign "
               "WHERE campaign.id = audit_event.campaign_id)")
    for statement in APPEND_ONLY.get(dialect, []):
        op.execute(statement)

    # Only added columns: SQLite adds them in place (a rebuild of campaign
    # would cascade-delete its participants).
    with op.batch_alter_table("campaign") as batch_op:
        batch_op.add_column(sa.Column("retention_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    dialect = op.get_bind().dialect.name
    op.drop_index("ix_job_campaign_created", table_name="job")
    op.drop_table("job")
    op.drop_index(op.f("ix_campaign_member_user_id"), table_name="campaign_member")
    op.drop_table("campaign_member")
    op.drop_index("ix_account_token_user", table_name="account_token")
    op.drop_table("account_token")

    for statement in DROP_APPEND_ONLY.get(dialect, []):
        op.execute(statement)
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.create_foreign_key(batch_op.f("fk_audit_event_campaign_id_campaign"),
                                    "campaign", ["campaign_id"], ["id"], ondelete="SET NULL")
        batch_op.drop_index(batch_op.f("ix_audit_event_campaign_id"))
        batch_op.drop_index("ix_audit_event_action")
        batch_op.drop_column("remote_addr")
        batch_op.drop_column("campaign_slug")

    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild of campaign would
    # cascade-delete its participants and trip over the export views.
    op.execute("ALTER TABLE campaign DROP COLUMN purged_at")
    op.execute("ALTER TABLE campaign DROP COLUMN retention_days")

    conn = op.get_bind()
    users = sa.table("user_account", sa.column("role", sa.String))
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.drop_constraint(op.f("ck_user_account_role"), type_="check")
    conn.execute(users.update().where(users.c.role.in_(["owner", "manager"]))
                 .values(role="admin"))
    conn.execute(users.update().where(users.c.role == "analyst").values(role="viewer"))
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_user_account_session_token"), type_="unique")
        batch_op.drop_column("last_login_at")
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_secret")
        batch_op.drop_column("session_token")
        batch_op.drop_column("active")
        batch_op.create_check_constraint(op.f("ck_user_account_role"),
                                         "role IN ('admin', 'viewer')")
