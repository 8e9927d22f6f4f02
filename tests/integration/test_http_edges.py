"""The HTTP edges on a real uvicorn server: our faults mapped once, refusals logged with the
client's address, cut-off multipart bodies, GBK and RFC 5987 file names, refused units."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import httpx
import pytest

from tests.http_support import DESIGN, issue_tokens, live_server, setup_units
from tests.integration.test_http import CJK, auth
from pipeline.settings import Settings
from tests.conftest import migrated_database
from zhicheng.bootstrap import bootstrap


@pytest.fixture
def api(runtime) -> Iterator[SimpleNamespace]:  # type: ignore[no-untyped-def]
    setup_units(runtime.ctx)
    tokens = issue_tokens(runtime.ctx)
    with live_server(runtime) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        yield SimpleNamespace(url=server.url, port=server.port, tokens=tokens, client=client,
                              runtime=runtime, ctx=runtime.ctx)


def test_a_database_locked_past_the_busy_timeout_is_503_with_retry_after(
        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """SQLite only: PostgreSQL has no database-wide write lock to hold."""
    settings = Settings(data_dir=tmp_path / "var", ocr_engine="null", db_busy_seconds=0.2,
                        database_url=migrated_database(request, "sqlite", tmp_path))
    runtime = bootstrap(settings)
    try:
        setup_units(runtime.ctx)
        tokens = issue_tokens(runtime.ctx)
        path = settings.resolved_database_url.removeprefix("sqlite:///")
        with live_server(runtime) as server, httpx.Client(base_url=server.url, timeout=60) as c:
            holder = sqlite3.connect(path, isolation_level=None)
            holder.execute("BEGIN EXCLUSIVE")
            try:
                response = c.get("/api/v1/batches/1", headers={"Authorization": f"Bearer {tokens[DESIGN]}"})
            finally:
                holder.execute("ROLLBACK")
                holder.close()
            assert response.status_code == 503, response.text
            assert response.json()["code"] == "db.busy" and CJK.search(response.json()["message"])
            assert response.headers["retry-after"] and "Traceback" not in response.text
            again = c.get("/api/v1/batches/1", headers={"Authorization": f"Bearer {tokens[DESIGN]}"})
            assert again.status_code == 404  # the lock gone: an ordinary answer
    finally:
        runtime.close()
