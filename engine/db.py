"""Database connection: one SQLAlchemy engine per URL, sessions, SQLite pragmas, migrations."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def default_url() -> str:
    """`ROOTBALL_DATABASE_URL`, or a SQLite file in the instance folder."""
    url = os.environ.get("ROOTBALL_DATABASE_URL")
    if url:
        return url
    folder = Path(os.environ.get("ROOTBALL_INSTANCE_PATH", Path.cwd() / "instance"))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'rootball.db'}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # WAL with synchronous=NORMAL never corrupts; it may lose the last commits on power loss only.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """An engine for `url` (default: the configured database)."""
    url = url or default_url()
    if url.startswith("sqlite"):
        eng = create_engine(url, connect_args={"timeout": 10})
        event.listen(eng, "connect", _sqlite_pragmas)
        return eng
    return create_engine(url, pool_pre_ping=True)


def make_sessionmaker(eng: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(eng, expire_on_commit=False)


def upgrade(eng: Engine) -> None:
    """Create or upgrade the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with eng.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
