"""expert library, declared conflicts, panel proposals; a call's field quota and same-city rule

Revision ID: 0006
Revises: 0002
Create Date: 2026-12-10 10:00:00
"""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.models.base

revision = '0006'
down_revision = '0002'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('field_quota', sa.Integer(), nullable=False, server_default='2'))
        batch_op.add_column(sa.Column('avoid_same_city', sa.Boolean(), nullable=False, server_default=sa.true()))

    op.create_table('expert_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('city', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=50), nullable=False),
    sa.Column('fields', JSON, nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('yearly_cap', sa.Integer(), nullable=False),
    sa.Column('created_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_expert_profile_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_profile')),
    sa.UniqueConstraint('user_id', name=op.f('uq_expert_profile_user_id'))
    )
    op.create_table('declared_conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('declared_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_declared_conflict_application_id_application')),
    sa.ForeignKeyConstraint(['expert_id'], ['user.id'], name=op.f('fk_declared_conflict_expert_id_user')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_declared_conflict_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declared_conflict')),
    sa.UniqueConstraint('expert_id', 'application_id', name=op.f('uq_declared_conflict_expert_id'))
    )
    with op.batch_alter_table('declared_conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declared_conflict_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_declared_conflict_organization_id'), ['organization_id'], unique=False)

    op.create_table('panel_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('expert_count', sa.Integer(), nullable=False),
    sa.Column('field_quota', sa.Integer(), nullable=False),
    sa.Column('avoid_same_city', sa.Boolean(), nullable=False),
    sa.Column('inputs_digest', sa.String(length=64), nullable=False),
    sa.Column('panels', JSON, nullable=False),
    sa.Column('swaps', JSON, nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('outcome', JSON, nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_by', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', engine.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_panel_proposal_call_id_call')),
    sa.ForeignKeyConstraint(['confirmed_by'], ['user.id'], name=op.f('fk_panel_proposal_confirmed_by_user')),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_panel_proposal_created_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_proposal'))
    )
    with op.batch_alter_table('panel_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_proposal_call_id'), ['call_id'], unique=False)

    # Users who already hold the expert role join the library; their fields are filled in on the experts page.
    experts = op.get_bind().execute(sa.text(
        "SELECT DISTINCT u.id, o.city, u.active FROM \"user\" u "
        "JOIN role_grant g ON g.user_id = u.id AND g.role = 'expert' "
        "LEFT JOIN organization o ON o.id = u.organization_id")).all()
    profile = sa.table('expert_profile', sa.column('user_id', sa.Integer()), sa.column('city', sa.String()),
                       sa.column('title', sa.String()), sa.column('fields', JSON), sa.column('active', sa.Boolean()),
                       sa.column('yearly_cap', sa.Integer()),
                       sa.column('created_at', engine.models.base.UTCDateTime(timezone=True)),
                       sa.column('updated_at', engine.models.base.UTCDateTime(timezone=True)))
    now = datetime.now(UTC)
    if experts:
        op.bulk_insert(profile, [{"user_id": user_id, "city": city or "", "title": "", "fields": [], "active": active,
                                  "yearly_cap": 20, "created_at": now, "updated_at": now}
                                 for user_id, city, active in experts])


def downgrade() -> None:
    with op.batch_alter_table('panel_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_proposal_call_id'))
    op.drop_table('panel_proposal')
    with op.batch_alter_table('declared_conflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_declared_conflict_organization_id'))
        batch_op.drop_index(batch_op.f('ix_declared_conflict_expert_id'))
    op.drop_table('declared_conflict')
    op.drop_table('expert_profile')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_column('avoid_same_city')
        batch_op.drop_column('field_quota')
