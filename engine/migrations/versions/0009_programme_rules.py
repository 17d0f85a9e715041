"""programme rules: award cap per call, reference lists with validity dates (seeded), the plan period

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 19:50:00

The 揭榜 problems and partner institutions used to be written by `rootball init` from lists in the
code; they are now data the administrators maintain, and this migration seeds the entries the
product shipped with (valid from the start of the plan period, until further notice). Entries that
had been taken off a list (`listed` / `active` false) end the day before the upgrade.
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

PLAN_START = date(2021, 1, 1)
JIEBANG = [
    ("JB2025-01", "糖料蔗全程机械化收获关键技术", "breakthrough"),
    ("JB2025-02", "铝基新材料高性能制备与应用", "breakthrough"),
    ("JB2025-03", "北部湾海洋生物医药成果产业化", "transformation"),
]
PARTNERS = [
    ("中国科学院深圳先进技术研究院", "广东", "桂粤科合〔2023〕3号"),
    ("华南理工大学", "广东", "桂粤科合〔2023〕7号"),
    ("香港科技大学", "香港", "桂港科合〔2024〕1号"),
]


def _validity(table: str, flag: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('valid_to', sa.Date(), nullable=True))
    rows = sa.table(table, sa.column('valid_from', sa.Date()), sa.column('valid_to', sa.Date()),
                    sa.column(flag, sa.Boolean()))
    ended = max(PLAN_START, date.today() - timedelta(days=1))
    op.execute(rows.update().values(valid_from=PLAN_START))
    op.execute(rows.update().where(rows.c[flag].is_(False)).values(valid_to=ended))
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column('valid_from', existing_type=sa.Date(), nullable=False)
        batch_op.drop_column(flag)


def _seed() -> None:
    conn = op.get_bind()
    problems = sa.table('jiebang_problem', sa.column('code', sa.String()), sa.column('title', sa.String()),
                        sa.column('kind', sa.String()), sa.column('valid_from', sa.Date()))
    known = set(conn.scalars(sa.select(problems.c.code)))
    op.bulk_insert(problems, [{"code": c, "title": t, "kind": k, "valid_from": PLAN_START}
                              for c, t, k in JIEBANG if c not in known])
    partners = sa.table('partner_institution', sa.column('name', sa.String()), sa.column('region', sa.String()),
                        sa.column('agreement_no', sa.String()), sa.column('valid_from', sa.Date()))
    known = set(conn.scalars(sa.select(partners.c.name)))
    op.bulk_insert(partners, [{"name": n, "region": r, "agreement_no": a, "valid_from": PLAN_START}
                              for n, r, a in PARTNERS if n not in known])


def upgrade() -> None:
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('funding_cap_wan', sa.Float(), nullable=True))
    _validity('jiebang_problem', 'listed')
    _validity('partner_institution', 'active')
    _seed()
    op.create_table('programme_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_name', sa.String(length=50), nullable=False),
    sa.Column('first_year', sa.Integer(), nullable=False),
    sa.Column('last_year', sa.Integer(), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_setting'))
    )
    settings = sa.table('programme_setting', sa.column('id', sa.Integer()), sa.column('plan_name', sa.String()),
                        sa.column('first_year', sa.Integer()), sa.column('last_year', sa.Integer()),
                        sa.column('target', sa.Integer()))
    op.bulk_insert(settings, [{"id": 1, "plan_name": "“十四五”时期", "first_year": 2021, "last_year": 2025,
                               "target": 100}])


def downgrade() -> None:
    op.drop_table('programme_setting')
    for table, flag in (('partner_institution', 'active'), ('jiebang_problem', 'listed')):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(flag, sa.Boolean(), nullable=False, server_default=sa.true()))
        rows = sa.table(table, sa.column('valid_to', sa.Date()), sa.column(flag, sa.Boolean()))
        op.execute(rows.update().where(rows.c.valid_to.is_not(None), rows.c.valid_to < date.today())
                   .values({flag: False}))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('valid_to')
            batch_op.drop_column('valid_from')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_column('funding_cap_wan')
