"""Alembic environment: runs on the connection handed in by engine.db.upgrade, or on a URL."""
from __future__ import annotations

from alembic import context

from engine.db import default_url, make_engine
from engine.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    eng = make_engine(config.get_main_option("sqlalchemy.url") or default_url())
    with eng.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
