"""Migration 0009 on a database that already had reference lists: entries keep their ids, ended ones get an end date."""
from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from engine.db import MIGRATIONS, make_engine

BACKENDS = [b for b in os.environ.get("ROOTBALL_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
_counter = itertools.count()


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with no schema at all."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield eng
        eng.dispose()
        return
    base = request.getfixturevalue("pg_base_url")
    name = f"m{os.getpid()}_{next(_counter)}"
    admin = make_engine(f"{base}/postgres")
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    eng = make_engine(f"{base}/{name}")
    yield eng
    eng.dispose()
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def migrate(eng: Engine, revision: str, down: bool = False) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with eng.begin() as connection:
        cfg.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(cfg, revision)


def test_reference_lists_move_to_validity_dates_and_back(empty_engine: Engine) -> None:
    migrate(empty_engine, "0007")
    with empty_engine.begin() as conn:
        conn.execute(text("INSERT INTO jiebang_problem (code, title, kind, listed) VALUES "
                          "('JB2025-01', '糖料蔗全程机械化收获关键技术', 'breakthrough', true), "
                          "('JB2024-07', '已撤榜的题目', 'transformation', false)"))
        conn.execute(text("INSERT INTO partner_institution (name, region, agreement_no, active) VALUES "
                          "('华南理工大学', '广东', '桂粤科合〔2023〕7号', false)"))
    migrate(empty_engine, "0009")
    yesterday = date.today() - timedelta(days=1)
    with empty_engine.connect() as conn:
        problems = {code: (i, str(start), end and str(end)) for i, code, start, end in conn.execute(text(
            "SELECT id, code, valid_from, valid_to FROM jiebang_problem ORDER BY id"))}
        partners = {name: (str(start), end and str(end)) for name, start, end in conn.execute(text(
            "SELECT name, valid_from, valid_to FROM partner_institution"))}
        setting = conn.execute(text("SELECT plan_name, first_year, last_year, target FROM programme_setting")).all()
        cap = conn.execute(text("SELECT funding_cap_wan FROM call")).all()
    assert problems["JB2025-01"] == (1, "2021-01-01", None)  # kept its id: applications name it
    assert problems["JB2024-07"] == (2, "2021-01-01", str(yesterday))
    assert set(problems) == {"JB2025-01", "JB2024-07", "JB2025-02", "JB2025-03"}  # the shipped ones added once
    assert partners["华南理工大学"] == ("2021-01-01", str(yesterday))
    assert partners["香港科技大学"] == ("2021-01-01", None)
    assert len(partners) == 3
    assert setting == [("“十四五”时期", 2021, 2025, 100)] and cap == []
    migrate(empty_engine, "0007", down=True)
    with empty_engine.connect() as conn:
        listed = dict(conn.execute(text("SELECT code, listed FROM jiebang_problem")).tuples().all())
    assert listed["JB2024-07"] in (False, 0) and listed["JB2025-01"] in (True, 1)
