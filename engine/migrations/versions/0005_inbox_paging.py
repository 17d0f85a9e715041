"""inbox paging: a never-NULL due-date sort key and partial indexes per inbox

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# The same expressions as the models' (`engine.models.task`), so each database renders the
# predicates exactly as the inbox queries do and recognises the partial indexes.
OPEN = sa.column('state') == sa.literal_column("'open'")
CLAIMABLE = sa.and_(OPEN, sa.column('assignee_id').is_(None), sa.column('preassigned', sa.Boolean).is_(False))


def _where(condition: sa.ColumnElement[bool]) -> dict[str, sa.ColumnElement[bool]]:
    return {"postgresql_where": condition, "sqlite_where": condition}


def upgrade() -> None:
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'due_sort', engine.models.base.UTCDateTime(timezone=True),
            sa.Computed("coalesce(due_at, '9999-01-01 00:00:00.000000')"), nullable=False))
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_inbox')
        batch_op.drop_index('ix_human_task_assignee')
        batch_op.create_index('ix_human_task_open_due', ['due_sort', 'id'], unique=False, **_where(OPEN))
        batch_op.create_index('ix_human_task_open_assignee', ['assignee_id', 'due_sort', 'id'], unique=False,
                              **_where(OPEN))
        batch_op.create_index('ix_human_task_claimable', ['candidate_role', 'due_sort', 'id'], unique=False,
                              **_where(CLAIMABLE))


def downgrade() -> None:
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_claimable')
        batch_op.drop_index('ix_human_task_open_assignee')
        batch_op.drop_index('ix_human_task_open_due')
        batch_op.create_index('ix_human_task_assignee', ['state', 'assignee_id'], unique=False)
        batch_op.create_index('ix_human_task_inbox', ['state', 'candidate_role', 'due_at'], unique=False)
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_column('due_sort')
