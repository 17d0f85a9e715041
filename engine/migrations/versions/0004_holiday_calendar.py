"""holiday calendar: entered schedule per year, working-day counts, the dueIn of each inbox row

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 09:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.models.base

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('holiday_year',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('updated_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by'], ['user.id'], name=op.f('fk_holiday_year_updated_by_user')),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_holiday_year'))
    )
    op.create_table('holiday_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=4), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('created_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['year'], ['holiday_year.year'], name=op.f('fk_holiday_day_year_holiday_year')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_holiday_day')),
    sa.UniqueConstraint('day', name=op.f('uq_holiday_day_day'))
    )
    with op.batch_alter_table('holiday_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_holiday_day_year'), ['year'], unique=False)

    op.create_table('working_day_count',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('start_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('names', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('first_year', sa.Integer(), nullable=False),
    sa.Column('last_year', sa.Integer(), nullable=False),
    sa.Column('created_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_working_day_count_instance_id_process_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_day_count'))
    )
    with op.batch_alter_table('working_day_count', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_working_day_count_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index('ix_working_day_count_years', ['last_year', 'first_year'], unique=False)

    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_in', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_column('due_in')

    with op.batch_alter_table('working_day_count', schema=None) as batch_op:
        batch_op.drop_index('ix_working_day_count_years')
        batch_op.drop_index(batch_op.f('ix_working_day_count_instance_id'))

    op.drop_table('working_day_count')
    with op.batch_alter_table('holiday_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_holiday_day_year'))

    op.drop_table('holiday_day')
    op.drop_table('holiday_year')
