"""instance migrations: where each instance waits, and moves of instances between versions

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-03 20:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.models.base

revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('positions', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))

    op.create_table('instance_migration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to_version_id', sa.Integer(), nullable=False),
    sa.Column('mapping', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rolled_back_at', engine.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rolled_back_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_instance_migration_created_by_user')),
    sa.ForeignKeyConstraint(['rolled_back_by'], ['user.id'], name=op.f('fk_instance_migration_rolled_back_by_user')),
    sa.ForeignKeyConstraint(['to_version_id'], ['process_version.id'],
                            name=op.f('fk_instance_migration_to_version_id_process_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instance_migration'))
    )
    with op.batch_alter_table('instance_migration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instance_migration_to_version_id'), ['to_version_id'], unique=False)

    op.create_table('migration_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('migration_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('from_version_id', sa.Integer(), nullable=False),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('lock_version_after', sa.Integer(), nullable=True),
    sa.Column('restored_at', engine.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['from_version_id'], ['process_version.id'],
                            name=op.f('fk_migration_item_from_version_id_process_version')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'],
                            name=op.f('fk_migration_item_instance_id_process_instance')),
    sa.ForeignKeyConstraint(['migration_id'], ['instance_migration.id'],
                            name=op.f('fk_migration_item_migration_id_instance_migration')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_migration_item'))
    )
    with op.batch_alter_table('migration_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_migration_item_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_migration_item_migration_id'), ['migration_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('migration_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_migration_item_migration_id'))
        batch_op.drop_index(batch_op.f('ix_migration_item_instance_id'))
    op.drop_table('migration_item')
    with op.batch_alter_table('instance_migration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instance_migration_to_version_id'))
    op.drop_table('instance_migration')
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_column('positions')
