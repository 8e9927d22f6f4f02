"""Engine and unit of work: SQLite (WAL, foreign keys, writers serialised) or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, busy_seconds: float = 60.0) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys and BEGIN IMMEDIATE, and waits up to
    `busy_seconds` for another writer's lock (then "database is locked": pipeline.errors.DatabaseBusy)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": busy_seconds, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            # Let SQLAlchemy's "begin" event open the transaction, as IMMEDIATE: a deferred
            # transaction that reads then writes can fail at once with SQLITE_BUSY when
            # another connection wrote in between; IMMEDIATE waits its turn instead.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


class Database:
    """The database: an engine and units of work on it."""

    def __init__(self, url: str, busy_seconds: float = 60.0) -> None:
        self.url = url
        self.engine = make_engine(url, busy_seconds)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def uow(self, *, durable: bool = True) -> Iterator[Session]:
        """A unit of work: a session whose changes are rolled back unless it commits.

        `durable=False` is for work that can be derived again (a stage's result: stages are
        idempotent and recovery re-runs what a crash lost): on PostgreSQL its commit does not
        wait for the WAL flush, which is most of a short transaction's cost. Intake and every
        person's decision stay durable.
        """
        session = self._sessions()
        if not durable and self.engine.dialect.name == "postgresql":
            session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
