"""Create or upgrade the database schema with Alembic (`zhicheng init`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine) -> str:
    """Bring the schema to the newest revision; return that revision."""
    cfg = _config()
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # Two `init`s at once (several workers starting) must not race.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(74215)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        conn.commit()
    return head()


def head() -> str:
    """The newest revision shipped with this code."""
    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def current(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
