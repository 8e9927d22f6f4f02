"""Importers killed with SIGKILL mid-import (a real `zhicheng serve`, a real `zhicheng intake
import`): the batch becomes `interrupted` (shown by `status`), the upload is accepted again at
once by the next server (not `409 upload.in_progress` for 30 minutes), tmp/uploads is emptied."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from pipeline.context import Context
from pipeline.settings import Settings
from pipeline.storage.db import migrate
from pipeline.storage.db.models import ApiUpload, Application, ImportBatch
from tests.http_support import DESIGN, batch_zip, issue_tokens, person, setup_units

PEOPLE = 250   # enough rows that the import takes a moment to kill it in


@pytest.fixture
def data(tmp_path: Path) -> Iterator[tuple[Path, Context, dict[str, str]]]:
    settings = Settings(data_dir=tmp_path / "var", ocr_engine="null")
    ctx = Context.from_settings(settings)
    migrate.upgrade(ctx.db.engine)
    setup_units(ctx)
    yield settings.data_dir, ctx, issue_tokens(ctx)
    ctx.db.dispose()


def env_for(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHICHENG_")}
    return {**env, "ZHICHENG_DATA_DIR": str(data_dir), "ZHICHENG_OCR_ENGINE": "null"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(condition, what: str, polls: int = 6000) -> None:
    for _ in range(polls):
        if condition():
            return
        threading.Event().wait(0.02)
    raise AssertionError(f"never happened: {what}")


def statuses(ctx: Context) -> list[str]:
    with ctx.db.uow() as s:
        return list(s.scalars(select(ImportBatch.status).order_by(ImportBatch.id)))


def serve(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "zhicheng", "serve", "--port", str(port)],
                            env=env_for(data_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def up() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return proc.poll() is not None
    wait_until(up, "the server answers")
    assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    return proc


def big_batch(path: Path) -> bytes:
    return batch_zip([person(n, DESIGN) for n in range(1, PEOPLE + 1)], path)


def test_an_upload_cut_by_a_killed_server_is_accepted_at_once_by_the_next(data, tmp_path) -> None:
    data_dir, ctx, tokens = data
    body = big_batch(tmp_path / "big.zip")
    headers = {"Authorization": f"Bearer {tokens[DESIGN]}", "Idempotency-Key": "k-1"}
    port = free_port()
    first = serve(data_dir, port)
    sender = threading.Thread(target=lambda: _post_quietly(port, body, headers), daemon=True)
    sender.start()
    try:
        wait_until(lambda: statuses(ctx) == ["importing"], "the import started")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    sender.join(60)
    with ctx.db.uow() as s:
        assert s.scalar(select(ApiUpload.batch_id)) is None  # the dead server's claim is still there
    stray = data_dir / "tmp" / "uploads" / "left-by-an-older-version"
    stray.mkdir(parents=True)

    port = free_port()
    second = serve(data_dir, port)
    try:
        assert statuses(ctx) == ["interrupted"]
        assert list((data_dir / "tmp" / "uploads").iterdir()) == []
        again = httpx.post(f"http://127.0.0.1:{port}/api/v1/batches", content=body, headers=headers,
                           timeout=300)
        assert again.status_code == 201, again.text
        assert statuses(ctx) == ["interrupted", "imported"]
        with ctx.db.uow() as s:
            assert len(s.scalars(select(Application.id)).all()) == PEOPLE
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(60)


def _post_quietly(port: int, body: bytes, headers: dict[str, str]) -> None:
    try:
        httpx.post(f"http://127.0.0.1:{port}/api/v1/batches", content=body, headers=headers,
                   timeout=300)
    except httpx.TransportError:
        pass  # the server was killed under it: that is the point


def test_a_killed_cli_import_is_interrupted_at_the_next_command_and_completes_on_reimport(
        data, tmp_path) -> None:
    data_dir, ctx, _ = data
    big_batch(tmp_path / "big.zip")
    env = env_for(data_dir)
    proc = subprocess.Popen([sys.executable, "-m", "zhicheng", "intake", "import",
                             str(tmp_path / "big.zip")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: statuses(ctx) == ["importing"], "the import started")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    status = subprocess.run([sys.executable, "-m", "zhicheng", "status", "--json"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert status.returncode == 0, status.stderr
    assert "已中断" in status.stderr  # said once, when the command found it
    [shown] = json.loads(status.stdout)["interrupted"]
    assert shown["batch"] == 1 and statuses(ctx) == ["interrupted"]
    again = subprocess.run([sys.executable, "-m", "zhicheng", "intake", "import", "--json",
                            str(tmp_path / "big.zip")], env=env, capture_output=True, text=True,
                           timeout=600)
    assert again.returncode == 0, again.stderr
    assert statuses(ctx) == ["interrupted", "imported"]
    with ctx.db.uow() as s:
        assert len(s.scalars(select(Application.id)).all()) == PEOPLE
