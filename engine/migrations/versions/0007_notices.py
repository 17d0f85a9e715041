"""notices: notice events and settings, publicity, objections, announcements

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 17:15:53
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.models.base

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('announcement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.Column('published_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', engine.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['published_by'], ['user.id'], name=op.f('fk_announcement_published_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement'))
    )
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.create_index('ix_announcement_published', ['withdrawn_at', 'published_at'], unique=False)

    op.create_table('notice_preference',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('by_email', sa.Boolean(), nullable=False),
    sa.Column('updated_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notice_preference_user_id_user')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notice_preference'))
    )
    op.create_table('notice_setting',
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by'], ['user.id'], name=op.f('fk_notice_setting_updated_by_user')),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_notice_setting'))
    )
    op.create_table('announcement_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcement.id'], name=op.f('fk_announcement_file_announcement_id_announcement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement_file')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_announcement_file_storage_key'))
    )
    with op.batch_alter_table('announcement_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_file_announcement_id'), ['announcement_id'], unique=False)

    op.create_table('publicity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', engine.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_publicity_application_id_application')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publicity'))
    )
    with op.batch_alter_table('publicity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publicity_application_id'), ['application_id'], unique=False)
        batch_op.create_index('ix_publicity_open', ['closed_at', 'ends_at'], unique=False)

    op.create_table('objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('publicity_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('organization', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('client_addr', sa.String(length=64), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('storage_key', sa.String(length=100), nullable=True),
    sa.Column('created_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('decided_at', engine.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_objection_application_id_application')),
    sa.ForeignKeyConstraint(['publicity_id'], ['publicity.id'], name=op.f('fk_objection_publicity_id_publicity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_objection_storage_key'))
    )
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_application_id'), ['application_id'], unique=False)
        batch_op.create_index('ix_objection_client', ['client_addr', 'created_at'], unique=False)

    op.create_table('notice_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('element_id', sa.String(length=200), nullable=False),
    sa.Column('human_task_id', sa.Integer(), nullable=True),
    sa.Column('facts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_notice_event_application_id_application')),
    sa.ForeignKeyConstraint(['human_task_id'], ['human_task.id'], name=op.f('fk_notice_event_human_task_id_human_task')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_notice_event_instance_id_process_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_event')),
    sa.UniqueConstraint('key', name=op.f('uq_notice_event_key'))
    )
    with op.batch_alter_table('notice_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_event_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_event_kind'), ['kind'], unique=False)

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('title', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('notice_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notification_notice_id_notice_event'), 'notice_event', ['notice_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notification_notice_id_notice_event'), type_='foreignkey')
        batch_op.drop_column('notice_id')
        batch_op.drop_column('title')
        batch_op.drop_column('kind')

    with op.batch_alter_table('notice_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_event_kind'))
        batch_op.drop_index(batch_op.f('ix_notice_event_application_id'))

    op.drop_table('notice_event')
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_index('ix_objection_client')
        batch_op.drop_index(batch_op.f('ix_objection_application_id'))

    op.drop_table('objection')
    with op.batch_alter_table('publicity', schema=None) as batch_op:
        batch_op.drop_index('ix_publicity_open')
        batch_op.drop_index(batch_op.f('ix_publicity_application_id'))

    op.drop_table('publicity')
    with op.batch_alter_table('announcement_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_file_announcement_id'))

    op.drop_table('announcement_file')
    op.drop_table('notice_setting')
    op.drop_table('notice_preference')
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.drop_index('ix_announcement_published')

    op.drop_table('announcement')
