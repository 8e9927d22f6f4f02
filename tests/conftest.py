"""Shared fixtures: real SQLite and PostgreSQL databases, real Redis, settings, runtimes.

A service that is not reachable skips its tests on a developer's machine but fails them in CI
(CI=true), so a missing service can never pass as green.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from pipeline.context import Context, FixedClock
from pipeline.settings import Settings
from pipeline.storage.db import migrate

PG_ADMIN_URL = os.environ.get("ZHICHENG_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("ZHICHENG_TEST_REDIS", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


# The slow tier: whole modules whose tests start processes, run OCR, lay out PDFs or drive a browser.
# `scripts/test --fast` (pytest -m "not slow") runs everything else in a couple of minutes.
SLOW_FOLDERS = ("e2e", "browser")
SLOW_MODULES = {"test_report_ocr", "test_ocr_stage", "test_reports", "test_http_fuzz",
                "test_packet_limits", "test_hostile_files", "test_ocr_judgement",
                "test_ocr_demo_regressions", "test_scanned_pdf", "test_ocr_engines"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path
        if path.parent.name in SLOW_FOLDERS or path.stem in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


def unavailable(what: str, why: object) -> None:
    """Skip locally, fail in CI."""
    message = f"{what} is not reachable: {why}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def empty_pg_database(prefix: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards (skipped without PostgreSQL)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        unavailable("PostgreSQL", exc)
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated, dropped at the end."""
    with empty_pg_database("zhicheng_test") as url:
        engine = create_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url


def _truncate_all(url: str) -> None:
    from pipeline.storage.db.models import Base

    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated once per test session; each test gets a copy of it.

    Running the Alembic migrations costs over a second a database; copying the migrated file costs
    a millisecond. `tests/integration/test_schema.py` still runs the migrations on an empty
    database, so they stay tested.
    """
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
    engine.dispose()
    return path


def migrated_database(request: pytest.FixtureRequest, kind: str, folder: Path) -> str:
    """An empty, migrated database of that kind: a copy of the session's migrated SQLite file in
    `folder`, or the session's PostgreSQL database emptied."""
    if kind == "sqlite":
        target = folder / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("pg_database")
    _truncate_all(url)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that takes this runs twice: on SQLite and on PostgreSQL.

    The PostgreSQL half belongs to the slow tier: the fast loop checks the logic on SQLite, the
    whole suite (CI) checks it again on PostgreSQL."""
    return migrated_database(request, request.param, tmp_path)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # No OCR unless a test asks for an engine: the OCR tests use real tesseract on purpose.
    # Cheap Argon2 parameters: the suite makes hundreds of accounts (tests/unit/test_accounts_hash.py
    # keeps the deployed parameters strong).
    return Settings(data_dir=tmp_path / "var", database_url=database_url, worker_threads=2,
                    ocr_engine="null", password_hashing="fast")


@pytest.fixture
def ctx(settings: Settings) -> Iterator[Context]:
    """Ports for service-level tests, with a fixed clock (2026-11-27 09:00)."""
    from datetime import datetime

    context = Context.from_settings(settings, FixedClock(datetime(2026, 11, 27, 9, 0)))
    yield context
    context.db.dispose()


@pytest.fixture
def runtime(settings: Settings):
    """The embedded runtime (in-memory broker, in-process worker) on the test database."""
    from zhicheng.bootstrap import bootstrap

    rt = bootstrap(settings)
    yield rt
    rt.close()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A reachable Redis, or skip (fail in CI)."""
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
    except Exception as exc:  # noqa: BLE001
        unavailable("Redis", exc)
    yield REDIS_URL
    client.close()
