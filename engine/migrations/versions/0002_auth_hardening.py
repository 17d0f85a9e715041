"""auth hardening: sessions end with sign-out, deactivation and a new password; sign-ins throttled per address

Revision ID: 0002
Revises: 0005
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("auth_version", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempt_address", ["remote_addr", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempt_address")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("auth_version")
