"""incidents: process code that failed at run time

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-03 17:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('element_id', sa.String(length=200), nullable=False),
    sa.Column('element_name', sa.String(length=200), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('first_seen', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('resolved_at', engine.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_incident_application_id_application')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_incident_instance_id_process_instance')),
    sa.ForeignKeyConstraint(['resolved_by'], ['user.id'], name=op.f('fk_incident_resolved_by_user')),
    sa.ForeignKeyConstraint(['version_id'], ['process_version.id'], name=op.f('fk_incident_version_id_process_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident'))
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index('ix_incident_open', ['resolved_at', 'last_seen'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index('ix_incident_open')
        batch_op.drop_index(batch_op.f('ix_incident_instance_id'))
        batch_op.drop_index(batch_op.f('ix_incident_application_id'))
    op.drop_table('incident')
