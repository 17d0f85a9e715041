"""The schema the migrations build is the schema the models declare (columns, indexes, constraints)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from engine.models import Base


def test_migrations_and_models_agree(db_engine: Engine) -> None:
    with db_engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
