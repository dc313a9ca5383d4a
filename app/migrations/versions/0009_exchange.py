"""exchange: statements, ratings, pairs, exposures, moderation, frozen sets (issue 21)

Revision ID: 0009_exchange
Revises: 0008_designer
Create Date: 2026-12-07 02:14:50
"""

import sqlalchemy as sa
from alembic import op

revision = '0009_exchange'
down_revision = '0008_designer'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('frozen_set',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('pool_version', sa.String(length=80), nullable=False),
    sa.Column('min_ratings', sa.Integer(), nullable=True),
    sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('frozen_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('frozen', 'live')", name=op.f('ck_frozen_set_kind')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_frozen_set_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['frozen_by'], ['user_account.id'], name=op.f('fk_frozen_set_frozen_by_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_frozen_set')),
    sa.UniqueConstraint('campaign_id', 'pool_version', name=op.f('uq_frozen_set_campaign_id_pool_version'))
    )
    with op.batch_alter_table('frozen_set', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_frozen_set_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('seed_key', sa.String(length=64), nullable=True),
    sa.Column('placebo', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('proposal', sa.String(length=64), nullable=True),
    sa.Column('side', sa.String(length=8), nullable=True),
    sa.Column('source_item', sa.String(length=64), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('risk', sa.Float(), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=True),
    sa.Column('signature', sa.JSON(), nullable=True),
    sa.Column('triaged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reason IS NULL OR (status = 'rejected' AND reason IN ('incivility', 'personal_data', 'off_topic', 'spam', 'duplicate', 'not_argument'))", name=op.f('ck_statement_reason')),
    sa.CheckConstraint("side IS NULL OR side IN ('for', 'against')", name=op.f('ck_statement_side')),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'withdrawn', 'reported')", name=op.f('ck_statement_status')),
    sa.CheckConstraint('(participant_id IS NULL) = (seed_key IS NOT NULL)', name=op.f('ck_statement_origin')),
    sa.CheckConstraint('NOT placebo OR seed_key IS NOT NULL', name=op.f('ck_statement_placebo_is_set')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_statement_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_statement_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement')),
    sa.UniqueConstraint('campaign_id', 'seed_key', 'placebo', 'language', name=op.f('uq_statement_campaign_id_seed_key_placebo_language')),
    sa.UniqueConstraint('participant_id', 'source_item', name=op.f('uq_statement_participant_id_source_item'))
    )
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_status'), ['status'], unique=False)

    op.create_table('exposure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('pool_version', sa.String(length=80), nullable=False),
    sa.Column('dealt_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('position >= 1', name=op.f('ck_exposure_position')),
    sa.CheckConstraint('probability > 0 AND probability <= 1', name=op.f('ck_exposure_probability')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_exposure_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], name=op.f('fk_exposure_statement_id_statement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exposure')),
    sa.UniqueConstraint('participant_id', 'position', name=op.f('uq_exposure_participant_id_position')),
    sa.UniqueConstraint('participant_id', 'statement_id', name=op.f('uq_exposure_participant_id_statement_id'))
    )
    with op.batch_alter_table('exposure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exposure_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exposure_statement_id'), ['statement_id'], unique=False)

    op.create_table('frozen_member',
    sa.Column('frozen_set_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['frozen_set_id'], ['frozen_set.id'], name=op.f('fk_frozen_member_frozen_set_id_frozen_set'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], name=op.f('fk_frozen_member_statement_id_statement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('frozen_set_id', 'statement_id', name=op.f('pk_frozen_member'))
    )
    with op.batch_alter_table('frozen_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_frozen_member_statement_id'), ['statement_id'], unique=False)

    op.create_table('moderation_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('second', sa.Boolean(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision <> 'reject' OR reason IS NOT NULL", name=op.f('ck_moderation_decision_reject_reason')),
    sa.CheckConstraint("decision IN ('approve', 'reject', 'report_hold', 'restore')", name=op.f('ck_moderation_decision_decision')),
    sa.CheckConstraint("reason IS NULL OR reason IN ('incivility', 'personal_data', 'off_topic', 'spam', 'duplicate', 'not_argument')", name=op.f('ck_moderation_decision_reason')),
    sa.CheckConstraint("role IN ('owner', 'manager', 'moderator', 'system')", name=op.f('ck_moderation_decision_role')),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], name=op.f('fk_moderation_decision_statement_id_statement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_moderation_decision_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_decision'))
    )
    with op.batch_alter_table('moderation_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_decision_statement_id'), ['statement_id'], unique=False)

    op.create_table('rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('fair', sa.Float(), nullable=True),
    sa.Column('skipped', sa.Boolean(), nullable=False),
    sa.Column('agree', sa.String(length=16), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seconds_on_page', sa.Float(), nullable=True),
    sa.CheckConstraint("agree IS NULL OR agree IN ('agree', 'disagree', 'unsure')", name=op.f('ck_rating_agree')),
    sa.CheckConstraint('(skipped AND fair IS NULL) OR (NOT skipped AND fair IS NOT NULL)', name=op.f('ck_rating_skipped')),
    sa.CheckConstraint('fair IS NULL OR fair IN (0, 0.5, 1)', name=op.f('ck_rating_fair')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_rating_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], name=op.f('fk_rating_statement_id_statement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating')),
    sa.UniqueConstraint('participant_id', 'statement_id', name=op.f('uq_rating_participant_id_statement_id'))
    )
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_statement_id'), ['statement_id'], unique=False)

    op.create_table('statement_pair',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('left_id', sa.Integer(), nullable=False),
    sa.Column('right_id', sa.Integer(), nullable=False),
    sa.Column('chosen_id', sa.Integer(), nullable=True),
    sa.Column('proposal', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('chosen_id IS NULL OR chosen_id IN (left_id, right_id)', name=op.f('ck_statement_pair_chosen')),
    sa.CheckConstraint('left_id <> right_id', name=op.f('ck_statement_pair_two')),
    sa.ForeignKeyConstraint(['chosen_id'], ['statement.id'], name=op.f('fk_statement_pair_chosen_id_statement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['left_id'], ['statement.id'], name=op.f('fk_statement_pair_left_id_statement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_statement_pair_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['right_id'], ['statement.id'], name=op.f('fk_statement_pair_right_id_statement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_pair')),
    sa.UniqueConstraint('participant_id', 'position', name=op.f('uq_statement_pair_participant_id_position'))
    )
    with op.batch_alter_table('statement_pair', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_pair_participant_id'), ['participant_id'], unique=False)

    op.create_table('statement_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reason IN ('incivility', 'personal_data', 'off_topic', 'spam', 'other')", name=op.f('ck_statement_report_reason')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_statement_report_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], name=op.f('fk_statement_report_statement_id_statement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_report')),
    sa.UniqueConstraint('statement_id', 'participant_id', name=op.f('uq_statement_report_statement_id_participant_id'))
    )
    with op.batch_alter_table('statement_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_report_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_report_statement_id'), ['statement_id'], unique=False)



def downgrade():
    with op.batch_alter_table('statement_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_report_statement_id'))
        batch_op.drop_index(batch_op.f('ix_statement_report_participant_id'))

    op.drop_table('statement_report')
    with op.batch_alter_table('statement_pair', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_pair_participant_id'))

    op.drop_table('statement_pair')
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_statement_id'))
        batch_op.drop_index(batch_op.f('ix_rating_participant_id'))

    op.drop_table('rating')
    with op.batch_alter_table('moderation_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_decision_statement_id'))

    op.drop_table('moderation_decision')
    with op.batch_alter_table('frozen_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_frozen_member_statement_id'))

    op.drop_table('frozen_member')
    with op.batch_alter_table('exposure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exposure_statement_id'))
        batch_op.drop_index(batch_op.f('ix_exposure_participant_id'))

    op.drop_table('exposure')
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_status'))
        batch_op.drop_index(batch_op.f('ix_statement_participant_id'))
        batch_op.drop_index(batch_op.f('ix_statement_campaign_id'))

    op.drop_table('statement')
    with op.batch_alter_table('frozen_set', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_frozen_set_campaign_id'))

    op.drop_table('frozen_set')
