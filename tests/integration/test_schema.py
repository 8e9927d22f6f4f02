"""The schema: migrations build exactly the models, on SQLite and PostgreSQL; SQLite is set up safely."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from pipeline.context import Context
from pipeline.storage.db import migrate
from pipeline.storage.db.engine import Database
from pipeline.storage.db.models import Base


def test_the_migrations_build_exactly_the_models(ctx: Context) -> None:
    with ctx.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrading_an_up_to_date_database_changes_nothing(ctx: Context) -> None:
    assert migrate.current(ctx.db.engine) == migrate.head()
    assert migrate.upgrade(ctx.db.engine) == migrate.head()
    assert migrate.current(ctx.db.engine) == migrate.head()


def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'z.db'}")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.dispose()
