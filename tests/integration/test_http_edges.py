"""The HTTP edges on a real uvicorn server: our faults mapped once, refusals logged with the
client's address, cut-off multipart bodies, GBK and RFC 5987 file names, refused units."""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select

from intake.api import Limits
from pipeline.services.units import set_status
from pipeline.settings import Settings
from pipeline.storage.db.models import AccessLog, Application, ImportBatch
from tests.conftest import migrated_database
from tests.http_support import DESIGN, PDF, PNG, TECH, issue_tokens, live_server, person, setup_units
from tests.integration.test_http import CJK, MB, assert_error, auth, count, raw_request, read_answer, send_application
from zhicheng.bootstrap import bootstrap


@pytest.fixture
def api(runtime) -> Iterator[SimpleNamespace]:
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


def multipart(parts: list[tuple[bytes, bytes]], boundary: bytes = b"XyZ", close: bool = True) -> bytes:
    """A multipart body from (Content-Disposition, data) pairs, closed or not."""
    body = b"".join(b"--" + boundary + b"\r\nContent-Disposition: " + disposition + b"\r\n\r\n"
                    + data + b"\r\n" for disposition, data in parts)
    return body + (b"--" + boundary + b"--\r\n" if close else b"")


def fields(n: int, unit: str) -> list[tuple[bytes, bytes]]:
    return [(f'form-data; name="{k}"'.encode(), v.encode()) for k, v in person(n, unit).items()]


def test_a_multipart_body_without_its_closing_boundary_is_400_not_a_silent_loss(api) -> None:
    parts = fields(1, DESIGN) + [('form-data; name="files"; filename="业绩材料.pdf"'.encode(), PDF)]
    body = multipart(parts, close=False)
    sock = raw_request(api.port, "/api/v1/applications", api.tokens[DESIGN], len(body), body,
                       "multipart/form-data; boundary=XyZ")
    answer = read_answer(sock)
    assert answer.startswith("HTTP/1.1 400") and '"form.invalid"' in answer and "结束分隔符" in answer
    assert count(api.ctx, ImportBatch) == 0 and count(api.ctx, Application) == 0
    closed = multipart(parts)  # the same body, ended properly: accepted
    sock = raw_request(api.port, "/api/v1/applications", api.tokens[DESIGN], len(closed), closed,
                       "multipart/form-data; boundary=XyZ")
    assert read_answer(sock).startswith("HTTP/1.1 201")


def test_gbk_and_rfc5987_file_names_are_read_as_sent(api) -> None:
    parts = fields(2, DESIGN) + [
        ('form-data; name="files"; filename="学历证书.png"'.encode("gbk"), PNG),
        (b'form-data; name="files"; filename="x.pdf"; filename*=UTF-8\'\''
         + quote("专业技术职称评审表.pdf").encode(), PDF + b"2"),
    ]
    body = multipart(parts)
    sock = raw_request(api.port, "/api/v1/applications", api.tokens[DESIGN], len(body), body,
                       "multipart/form-data; boundary=XyZ")
    answer = read_answer(sock)
    assert answer.startswith("HTTP/1.1 201"), answer
    app_id = json.loads(answer.split("\r\n\r\n", 1)[1])["application"]
    shown = api.client.get(f"/api/v1/applications/{app_id}", headers=auth(api, DESIGN)).json()
    assert sorted(m["name"] for m in shown["materials"]) == ["专业技术职称评审表.pdf", "学历证书.png"]


@pytest.mark.parametrize("status", ["待审核", "未通过"])
def test_a_token_of_a_pending_or_refused_unit_cannot_upload(api, status) -> None:
    set_status(api.ctx, TECH, status)
    response = send_application(api, TECH, 3, TECH)
    assert_error(response, 403, "unit.not_approved")
    assert ("尚待中心审核" if status == "待审核" else "未通过审核") in response.json()["message"]
    assert count(api.ctx, ImportBatch) == 0


def test_every_refusal_is_logged_with_the_client_address(api) -> None:
    app_id = send_application(api, DESIGN, 4, DESIGN).json()["application"]
    api.client.get(f"/api/v1/applications/{app_id}", headers={"Authorization": "Bearer zc_nope"})
    api.client.get(f"/api/v1/applications/{app_id}")                              # 401, no token
    api.client.get(f"/api/v1/applications/{app_id}", headers=auth(api, TECH))     # 404, not theirs
    api.client.post("/api/v1/batches", content=b"", headers=auth(api, DESIGN))    # 400, empty
    send_application(api, DESIGN, 5, TECH)                                        # 403, foreign unit
    big = b"0" * 64
    sock = raw_request(api.port, "/api/v1/batches", api.tokens[DESIGN], 3 * 1024**4, big)
    assert read_answer(sock).startswith("HTTP/1.1 413")                          # 413, declared
    with api.ctx.db.uow() as s:
        rows = [(r.principal, r.action, r.status, r.client)
                for r in s.scalars(select(AccessLog).order_by(AccessLog.id))]
    assert rows == [(DESIGN, "upload.application", 201, "127.0.0.1"),
                    ("-", "read.application", 401, "127.0.0.1"),
                    ("-", "read.application", 401, "127.0.0.1"),
                    (TECH, "read.application", 404, "127.0.0.1"),
                    (DESIGN, "upload.batch", 400, "127.0.0.1"),
                    (DESIGN, "upload.application", 403, "127.0.0.1"),
                    (DESIGN, "upload.batch", 413, "127.0.0.1")]


@pytest.mark.parametrize("framing", ["length", "chunked", "expect"])
def test_an_early_413_reaches_a_client_that_streams_its_whole_body(runtime, framing) -> None:
    """The client writes all of its body before it reads (as simple clients do): it must read
    the 413, not a reset. With `Expect: 100-continue` it is answered before it sends anything."""
    setup_units(runtime.ctx)
    tokens = issue_tokens(runtime.ctx)
    total = 24 * MB
    with live_server(runtime, Limits(max_batch_bytes=1 * MB)) as server:
        sock = socket.create_connection(("127.0.0.1", server.port))
        head = (f"POST /api/v1/batches HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {tokens[DESIGN]}\r\n"
                "Content-Type: application/zip\r\n")
        head += {"length": f"Content-Length: {total}\r\n", "chunked": "Transfer-Encoding: chunked\r\n",
                 "expect": f"Content-Length: {total}\r\nExpect: 100-continue\r\n"}[framing]
        sock.sendall((head + "\r\n").encode())
        if framing != "expect":
            for _ in range(total // (64 * 1024)):
                chunk = b"0" * (64 * 1024)
                sock.sendall(b"10000\r\n" + chunk + b"\r\n" if framing == "chunked" else chunk)
            if framing == "chunked":
                sock.sendall(b"0\r\n\r\n")
        answer = read_answer(sock)
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert '"upload.too_large"' in answer
    assert count(runtime.ctx, ImportBatch) == 0
