"""`zhicheng units token`, `serve` and `intake watch` as real child processes (embedded SQLite)."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.cli_support import ZHICHENG, Run, environment, zhicheng
from tests.http_support import DESIGN, batch_zip, person


def run(data: Path, *args: str, check: bool = True) -> Run:
    done = zhicheng(*args, env=environment(data, ZHICHENG_OCR_ENGINE="null"), timeout=120)
    if check:
        assert done.code == 0, done.err
    return done


@pytest.fixture
def data(tmp_path: Path) -> Path:
    d = tmp_path / "var"
    run(d, "init")
    units = tmp_path / "units.csv"
    units.write_text("统一社会信用代码,单位名称,统筹区,单位性质,注册状态\n"
                     f"{DESIGN},湖南省交通规划勘察设计院有限公司,省本级,国有企业,已审核\n", encoding="utf-8")
    run(d, "units", "import", str(units))
    return d


def test_tokens_are_issued_once_listed_without_their_value_and_revoked(data: Path) -> None:
    issued = json.loads(run(data, "units", "token", DESIGN, "--label", "上传脚本", "--json").out)
    assert issued["token"].startswith("zc_") and issued["unit_code"] == DESIGN
    center = run(data, "units", "token", "--center").out.strip()
    assert center.startswith("zc_")
    listed = json.loads(run(data, "units", "tokens", "--json").out)
    assert {t["id"] for t in listed} == {issued["id"], issued["id"] + 1}
    assert issued["token"] not in json.dumps(listed) and center not in json.dumps(listed)
    run(data, "units", "revoke-token", str(issued["id"]))
    again = json.loads(run(data, "units", "tokens", DESIGN, "--json").out)
    assert [t["active"] for t in again] == [False]
    unknown = run(data, "units", "token", "91430100MA4L00009X", check=False)
    assert unknown.code != 0 and "错误" in unknown.err and "Traceback" not in unknown.err


def test_serve_takes_an_upload_and_processes_it_in_the_embedded_mode(data: Path) -> None:
    token = run(data, "units", "token", DESIGN).out.strip()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = environment(data, ZHICHENG_OCR_ENGINE="null")
    server = subprocess.Popen([*ZHICHENG, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as c:
            for _ in range(300):
                try:
                    if c.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                threading_wait(0.05)
            r = c.post("/api/v1/batches", content=batch_zip([person(1, DESIGN)]),
                       headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 201, r.text
            app_id = r.json()["applications"][0]
            for _ in range(600):   # the in-process worker runs the automatic stages
                state = c.get(f"/api/v1/applications/{app_id}",
                              headers={"Authorization": f"Bearer {token}"}).json()["state"]
                if state not in ("received", "normalized", "extracted"):
                    break
                threading_wait(0.05)
            assert state not in ("received", "normalized", "extracted")
    finally:
        server.terminate()
        server.wait(timeout=30)


def threading_wait(seconds: float) -> None:
    import threading

    threading.Event().wait(seconds)


def test_watch_once_imports_what_is_in_the_inbox_and_exits(data: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    batch_zip([person(1, DESIGN)], inbox / "批次.zip")
    done = run(data, "intake", "watch", str(inbox), "--once", "--interval", "0.05")
    assert done.out.strip() == "1"
    assert (inbox / "processed" / "批次.zip").exists() and not (inbox / "批次.zip").exists()
    status = json.loads(run(data, "status", "1", "--json").out)
    assert len(status["applications"]) == 1
