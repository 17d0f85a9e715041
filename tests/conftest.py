"""Fixtures: a real SQLite file and a real PostgreSQL server, each initialized once, cloned per test."""
from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from engine.db import make_engine, make_sessionmaker
from engine.runtime import Runtime
from engine.scenario import Scenario
from engine.seed import ensure_calls, ensure_users, init
from tests.pg import postgres_server

BACKENDS = [b for b in os.environ.get("ROOTBALL_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_base_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    eng = make_engine(f"sqlite:///{path}")
    _prepare(eng)
    eng.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template(pg_base_url: str) -> str:
    admin = make_engine(f"{pg_base_url}/postgres")
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("CREATE DATABASE rootball_template"))
    admin.dispose()
    eng = make_engine(f"{pg_base_url}/rootball_template")
    _prepare(eng)
    eng.dispose()
    return "rootball_template"


def _prepare(eng: Engine) -> None:
    from datetime import datetime

    init(eng)
    with make_sessionmaker(eng).begin() as session:
        ensure_users(session, "test-password")
        ensure_calls(session, datetime(2024, 1, 1, tzinfo=UTC), datetime(2030, 12, 31, tzinfo=UTC))


@pytest.fixture(params=BACKENDS)
def db_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An initialized database (processes deployed, demo users and open calls), fresh per test."""
    if request.param == "sqlite":
        path = tmp_path / "rootball.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
        return
    base = request.getfixturevalue("pg_base_url")
    template = request.getfixturevalue("pg_template")
    name = f"t{os.getpid()}_{next(_counter)}"
    admin = make_engine(f"{base}/postgres")
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE {template}'))
    eng = make_engine(f"{base}/{name}")
    yield eng
    eng.dispose()
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def runtime(db_engine: Engine) -> Runtime:
    return Runtime(make_sessionmaker(db_engine))


@pytest.fixture
def users(runtime: Runtime) -> dict[str, int]:
    from sqlalchemy import select

    from engine.models import User

    with runtime.sessions() as session:
        return {u.username: u.id for u in session.scalars(select(User)).all()}


@pytest.fixture
def calls(runtime: Runtime) -> dict[str, int]:
    from sqlalchemy import select

    from engine.models import Call

    with runtime.sessions() as session:
        return {c.track: c.id for c in session.scalars(select(Call)).all()}


@pytest.fixture
def play(runtime: Runtime, users: dict[str, int]) -> Scenario:
    return Scenario(runtime, users)
