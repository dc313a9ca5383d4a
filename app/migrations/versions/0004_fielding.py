"""fielding: study design on the campaign, invites, quotas, outcomes, follow-up

Adds the design columns of a campaign (access mode, panel, completion codes,
screening, quotas, strata, schedule, target n, follow-up status), the
participant's outcome, keyed external-id hash and follow-up progress, the
``followup`` answer phase, and the invite / quota / quota_claim tables. The
export views are dropped first and made again with the new ``outcome``
column (SQLite rebuilds altered tables, which a view on them would block).

Revision ID: 0004_fielding
Revises: 0003_campaign_revision
Create Date: 2026-11-26 09:01:19.176025

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_fielding'
down_revision = '0003_campaign_revision'
branch_labels = None
depends_on = None


PARTICIPANTS_VIEW = {
    "old": """
        SELECT c.slug AS campaign_slug, p.public_id AS participant_id, p.arm,
               p.module_order, p.language, p.status, p.step, p.started_at,
               p.completed_at, p.stratum, p.allocation_seq,
               CASE WHEN p.replaced THEN 1 ELSE 0 END AS replaced
        FROM participant p JOIN campaign c ON c.id = p.campaign_id
    """,
    "new": """
        SELECT c.slug AS campaign_slug, p.public_id AS participant_id, p.arm,
               p.module_order, p.language, p.status, p.step, p.started_at,
               p.completed_at, p.stratum, p.allocation_seq,
               CASE WHEN p.replaced THEN 1 ELSE 0 END AS replaced,
               p.outcome, p.followup_completed_at
        FROM participant p JOIN campaign c ON c.id = p.campaign_id
    """,
}
ANSWERS_VIEW = """
        SELECT c.slug AS campaign_slug, p.public_id AS participant_id, p.arm,
               a.phase, a.module, a.item, a.value, a.text, a.page, a.answered_at,
               a.seconds_on_page
        FROM answer a
        JOIN participant p ON p.id = a.participant_id
        JOIN campaign c ON c.id = p.campaign_id
"""
METADATA_VIEW = """
        SELECT c.slug AS campaign_slug, c.title, c.status, c.survey_id, c.survey_version,
               c.seed, c.block_size,
               CASE WHEN c.rebalance_dropouts THEN 1 ELSE 0 END AS rebalance_dropouts,
               c.opened_at, c.closed_at,
               CAST(c.languages AS TEXT) AS languages_json,
               CAST(c.codebook AS TEXT) AS codebook_json,
               CAST(c.preregistration AS TEXT) AS preregistration_json
"""
METADATA_FROM = "        FROM campaign c\n"
METADATA_NEW_COLUMNS = """,
               CAST(c.strata AS TEXT) AS strata_json
"""


def _drop_views():
    for name in ("export_participants", "export_answers", "export_metadata"):
        op.execute(f"DROP VIEW IF EXISTS {name}")


def _create_views(version: str):
    op.execute(f"CREATE VIEW export_participants AS {PARTICIPANTS_VIEW[version]}")
    op.execute(f"CREATE VIEW export_answers AS {ANSWERS_VIEW}")
    extra = METADATA_NEW_COLUMNS if version == "new" else "\n"
    op.execute(f"CREATE VIEW export_metadata AS {METADATA_VIEW.rstrip()}{extra}{METADATA_FROM}")


def upgrade():
    _drop_views()
    op.create_table('quota',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('cap', sa.Integer(), nullable=False),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.CheckConstraint('used >= 0 AND used <= cap', name=op.f('ck_quota_within_cap')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_quota_campaign_id_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quota')),
    sa.UniqueConstraint('campaign_id', 'name', name=op.f('uq_quota_campaign_id_name'))
    )
    op.create_table('invite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_invite_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_invite_participant_id_participant'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invite')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_invite_code_hash')),
    sa.UniqueConstraint('participant_id', name=op.f('uq_invite_participant_id'))
    )
    with op.batch_alter_table('invite', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invite_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('quota_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quota_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('held', 'completed')", name=op.f('ck_quota_claim_state')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_quota_claim_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quota_id'], ['quota.id'], name=op.f('fk_quota_claim_quota_id_quota'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quota_claim')),
    sa.UniqueConstraint('quota_id', 'participant_id', name=op.f('uq_quota_claim_quota_id_participant_id'))
    )
    with op.batch_alter_table('quota_claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quota_claim_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quota_claim_quota_id'), ['quota_id'], unique=False)

    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('access', sa.String(length=16), server_default='open', nullable=False))
        batch_op.add_column(sa.Column('panel', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('completion', sa.JSON(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('screening', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('quotas', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('strata', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('end_on_failed_attention', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('target_n', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('followup_status', sa.String(length=16), server_default='none', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_campaign_access'), "access IN ('open', 'invite', 'prolific', 'mturk', 'panel')")
        batch_op.create_check_constraint(
            op.f('ck_campaign_followup_status'), "followup_status IN ('none', 'open', 'closed')")

    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('external_id_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('followup_token_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('followup_step', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('followup_started_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('followup_completed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_participant_campaign_id_external_id_hash'), ['campaign_id', 'external_id_hash'])
        batch_op.create_unique_constraint(batch_op.f('uq_participant_followup_token_hash'), ['followup_token_hash'])
        batch_op.create_check_constraint(
            op.f('ck_participant_outcome'),
            "outcome IS NULL OR outcome IN "
            "('completed', 'screened_out', 'over_quota', 'failed_attention')")

    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_answer_phase'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_answer_phase'), "phase IN ('profile', 'pre', 'module', 'post', 'followup')")

    _create_views("new")


def downgrade():
    _drop_views()
    op.execute("DELETE FROM answer WHERE phase = 'followup'")
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_answer_phase'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_answer_phase'), "phase IN ('profile', 'pre', 'module', 'post')")

    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_participant_outcome'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_participant_followup_token_hash'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_participant_campaign_id_external_id_hash'), type_='unique')
        batch_op.drop_column('followup_completed_at')
        batch_op.drop_column('followup_started_at')
        batch_op.drop_column('followup_step')
        batch_op.drop_column('followup_token_hash')
        batch_op.drop_column('external_id_hash')
        batch_op.drop_column('outcome')

    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_campaign_followup_status'), type_='check')
        batch_op.drop_constraint(op.f('ck_campaign_access'), type_='check')
        batch_op.drop_column('followup_status')
        batch_op.drop_column('target_n')
        batch_op.drop_column('closes_at')
        batch_op.drop_column('opens_at')
        batch_op.drop_column('end_on_failed_attention')
        batch_op.drop_column('strata')
        batch_op.drop_column('quotas')
        batch_op.drop_column('screening')
        batch_op.drop_column('completion')
        batch_op.drop_column('panel')
        batch_op.drop_column('access')

    with op.batch_alter_table('quota_claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quota_claim_quota_id'))
        batch_op.drop_index(batch_op.f('ix_quota_claim_participant_id'))

    op.drop_table('quota_claim')
    with op.batch_alter_table('invite', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invite_campaign_id'))

    op.drop_table('invite')
    op.drop_table('quota')
    _create_views("old")
