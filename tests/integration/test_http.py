"""The HTTP endpoint on a real uvicorn server on loopback, driven by httpx (docs/reference.md §6)."""

from __future__ import annotations

import re
import socket
import threading
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import func, select

from intake.api import Limits
from pipeline.storage.db.models import AccessLog, ApiUpload, Application, ImportBatch
from tests.http_support import (
    CLINIC,
    DESIGN,
    MINISTRY,
    PDF,
    RESEARCH,
    TECH,
    batch_zip,
    issue_tokens,
    live_server,
    materials,
    person,
    setup_units,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
MB = 1024 * 1024


@pytest.fixture
def api(runtime):
    setup_units(runtime.ctx)
    tokens = issue_tokens(runtime.ctx)
    with live_server(runtime) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        yield SimpleNamespace(url=server.url, port=server.port, tokens=tokens, client=client,
                              runtime=runtime, ctx=runtime.ctx)


def auth(api, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.tokens[who]}"}


def count(ctx, model) -> int:
    with ctx.db.uow() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def send_application(api, who: str, n: int, unit: str, key: str | None = None,
                     files: dict[str, bytes] | None = None) -> httpx.Response:
    headers = auth(api, who) | ({"Idempotency-Key": key} if key else {})
    parts = [("files", (name, data)) for name, data in (files or materials(n)).items()]
    return api.client.post("/api/v1/applications", data=person(n, unit), files=parts, headers=headers)


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and CJK.search(body["message"]), body
    assert "Traceback" not in response.text


def uploads_left(ctx) -> list[Path]:
    root = ctx.settings.data_dir / "tmp" / "uploads"
    return list(root.iterdir()) if root.exists() else []


# --- health, documents, tokens -----------------------------------------------------------------

def test_health_needs_no_token_and_the_openapi_document_lists_the_api(api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    doc = api.client.get("/openapi.json").json()
    assert {"/api/v1/batches", "/api/v1/applications", "/api/v1/batches/{batch_id}",
            "/api/v1/applications/{application_id}", "/healthz"} <= set(doc["paths"])


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Bearer zc_forged", "revoked", "Basic abc"])
def test_every_call_but_health_needs_a_valid_unrevoked_token(api, header) -> None:
    headers = auth(api, "revoked") if header == "revoked" else ({"Authorization": header} if header else {})
    for method, path in (("GET", "/api/v1/batches/1"), ("GET", "/api/v1/applications/1"),
                         ("POST", "/api/v1/batches"), ("POST", "/api/v1/applications")):
        response = api.client.request(method, path, headers=headers, content=b"x")
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["code"] in ("auth.required", "auth.invalid")
        assert response.headers["WWW-Authenticate"] == "Bearer"


# --- uploads -------------------------------------------------------------------------------------

def test_a_unit_uploads_a_batch_zip_and_reads_its_receipt(api) -> None:
    data = batch_zip([person(1, DESIGN), person(2, DESIGN)])
    response = api.client.post("/api/v1/batches?name=设计院.zip", content=data,
                               headers=auth(api, DESIGN) | {"Content-Type": "application/zip"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert len(body["created"]) == 2 and body["replayed"] is False and "设计院.zip" in body["source"]
    receipt = api.client.get(f"/api/v1/batches/{body['id']}", headers=auth(api, DESIGN)).json()
    assert receipt["applications"] == body["applications"]
    app = api.client.get(f"/api/v1/applications/{body['created'][0]}", headers=auth(api, DESIGN)).json()
    assert app["unit_code"] == DESIGN and {"state", "findings", "reviews", "events", "materials"} <= set(app)


def test_the_same_batch_sent_twice_gives_the_same_batch_and_creates_nothing_new(api) -> None:
    data = batch_zip([person(1, DESIGN), person(2, DESIGN)])
    first = api.client.post("/api/v1/batches", content=data, headers=auth(api, DESIGN))
    again = api.client.post("/api/v1/batches", content=data, headers=auth(api, DESIGN))
    assert first.status_code == 201 and again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"] and again.json()["replayed"] is True
    assert count(api.ctx, ImportBatch) == 1 and count(api.ctx, Application) == 2


def test_a_single_application_is_uploaded_with_its_roster_fields_and_files(api) -> None:
    response = send_application(api, DESIGN, 5, DESIGN)
    assert response.status_code == 201, response.text
    app_id = response.json()["application"]
    shown = api.client.get(f"/api/v1/applications/{app_id}", headers=auth(api, DESIGN)).json()
    assert shown["name"] == "测试5" and shown["unit_code"] == DESIGN
    assert sorted(m["kind"] for m in shown["materials"]) == ["专业技术职称评审表", "业绩材料", "学历证书"]
    assert shown["events"][0]["to"] == "received"


def test_the_idempotency_key_gives_the_first_answer_and_refuses_other_content(api) -> None:
    first = send_application(api, DESIGN, 6, DESIGN, key="retry-6")
    again = send_application(api, DESIGN, 6, DESIGN, key="retry-6")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    other = send_application(api, DESIGN, 7, DESIGN, key="retry-6")
    assert_error(other, 422, "idempotency.key_reused")
    assert count(api.ctx, ImportBatch) == 1 and count(api.ctx, Application) == 1


def test_concurrent_copies_of_one_upload_import_it_once(api) -> None:
    data = batch_zip([person(n, RESEARCH) for n in range(1, 6)])
    answers: list[httpx.Response] = []

    def send() -> None:
        with httpx.Client(base_url=api.url, timeout=60) as c:
            answers.append(c.post("/api/v1/batches", content=data, headers=auth(api, RESEARCH)))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = [r.status_code for r in answers]
    # one import (201); the others find it in progress (409) or done (200, the same batch)
    assert statuses.count(201) == 1 and set(statuses) <= {200, 201, 409}, statuses
    assert {r.json()["id"] for r in answers if r.status_code < 300} == {1}
    assert all(r.json()["code"] == "upload.in_progress" for r in answers if r.status_code == 409)
    assert count(api.ctx, ImportBatch) == 1 and count(api.ctx, Application) == 5


def test_a_broken_zip_is_refused_with_the_batch_receipts_reason(api) -> None:
    response = api.client.post("/api/v1/batches", content=b"PK\x03\x04 not really a zip",
                               headers=auth(api, DESIGN))
    assert_error(response, 422, "batch.rejected")
    assert response.json()["problems"][0]["code"] == "batch.unreadable"


@pytest.mark.parametrize("fields, code", [
    ({"身份证号": ""}, "field.missing"),
    ({"单位统一社会信用代码": ""}, "field.missing"),
])
def test_an_application_without_id_number_or_unit_is_refused(api, fields, code) -> None:
    data = person(8, DESIGN) | fields
    response = api.client.post("/api/v1/applications", data=data, headers=auth(api, DESIGN),
                               files=[("files", ("学历证书.png", b"x"))])
    assert_error(response, 422, code)
    assert count(api.ctx, ImportBatch) == 0


def test_two_files_with_the_same_name_are_refused(api) -> None:
    response = api.client.post("/api/v1/applications", data=person(9, DESIGN), headers=auth(api, DESIGN),
                               files=[("files", ("业绩材料.pdf", PDF)), ("files", ("业绩材料.pdf", PDF + b"2"))])
    assert_error(response, 422, "file.duplicate_name")


# --- who may see what ----------------------------------------------------------------------------

READERS = {  # the unit of the application → who reads it (everyone else gets 404)
    DESIGN: {DESIGN, MINISTRY, "center"},      # its own, its 上级单位, the center
    CLINIC: {CLINIC, TECH, "center"},          # its own, its 主管单位, the center
    TECH: {TECH, "center"},
}
SENDERS = {  # the unit of an application → who may send it
    DESIGN: {DESIGN, MINISTRY, "center"},
    CLINIC: {CLINIC, "center"},                # the supervising unit reads but does not send
    MINISTRY: {MINISTRY, "center"},
}
EVERYONE = [MINISTRY, DESIGN, RESEARCH, TECH, CLINIC, "center"]


def test_the_authorization_matrix_of_tokens_and_resources(api) -> None:
    wrong: list[str] = []
    apps, batches = {}, {}
    for n, (unit, sender) in enumerate(((DESIGN, DESIGN), (CLINIC, CLINIC), (TECH, TECH))):
        r = send_application(api, sender, 20 + n, unit)
        assert r.status_code == 201, r.text
        apps[unit], batches[unit] = r.json()["application"], r.json()["id"]
    for unit, readers in READERS.items():
        for who in EVERYONE:
            want = 200 if who in readers else 404
            for path in (f"/api/v1/applications/{apps[unit]}", f"/api/v1/batches/{batches[unit]}"):
                got = api.client.get(path, headers=auth(api, who)).status_code
                if got != want:
                    wrong.append(f"{who} GET {path} ({unit}): {got}, want {want}")
    n = 40
    for unit, senders in SENDERS.items():
        for who in EVERYONE:
            n += 1
            r = send_application(api, who, n, unit)
            want = 201 if who in senders else 403
            if r.status_code != want:
                wrong.append(f"{who} POST for {unit}: {r.status_code}, want {want}")
            if want == 403 and r.json().get("code") != "unit.forbidden":
                wrong.append(f"{who} POST for {unit}: code {r.json().get('code')}")
    assert not wrong, "\n".join(wrong)


def test_a_missing_and_a_forbidden_application_look_the_same(api) -> None:
    app_id = send_application(api, DESIGN, 30, DESIGN).json()["application"]
    forbidden = api.client.get(f"/api/v1/applications/{app_id}", headers=auth(api, TECH))
    missing = api.client.get("/api/v1/applications/99999", headers=auth(api, TECH))
    assert_error(forbidden, 404, "application.not_found")
    assert_error(missing, 404, "application.not_found")


def test_a_zip_with_one_row_of_a_foreign_unit_is_refused_whole(api) -> None:
    data = batch_zip([person(1, DESIGN), person(2, TECH)])
    response = api.client.post("/api/v1/batches", content=data, headers=auth(api, DESIGN))
    assert_error(response, 403, "unit.forbidden")
    assert "第3行" in response.json()["message"]
    assert count(api.ctx, ImportBatch) == 0 and count(api.ctx, Application) == 0
    assert count(api.ctx, ApiUpload) == 0 and uploads_left(api.ctx) == []


def test_every_upload_and_read_is_logged_with_the_tokens_unit(api) -> None:
    body = send_application(api, DESIGN, 31, DESIGN).json()
    api.client.get(f"/api/v1/applications/{body['application']}", headers=auth(api, MINISTRY))
    api.client.get(f"/api/v1/applications/{body['application']}", headers=auth(api, TECH))
    with api.ctx.db.uow() as s:
        rows = [(r.principal, r.action, r.subject_id, r.status)
                for r in s.scalars(select(AccessLog).order_by(AccessLog.id))]
    assert rows == [(DESIGN, "upload.application", str(body["id"]), 201),
                    (MINISTRY, "read.application", str(body["application"]), 200),
                    (TECH, "read.application", str(body["application"]), 404)]


# --- limits and cut-off uploads ------------------------------------------------------------------

def test_a_file_over_10_mb_is_refused_with_413_and_leaves_nothing_behind(api) -> None:
    big = {"业绩材料.pdf": PDF + b"0" * (10 * MB)}
    response = send_application(api, DESIGN, 50, DESIGN, files=big)
    assert_error(response, 413, "file.too_large")
    assert "业绩材料.pdf" in response.json()["message"]
    assert uploads_left(api.ctx) == []
    assert count(api.ctx, ImportBatch) == 0 and count(api.ctx, Application) == 0
    blobs = api.ctx.settings.data_dir / "blobs"
    assert not [p for p in blobs.rglob("*") if p.is_file()]


def raw_request(port: int, path: str, token: str, length: int, body: bytes,
                content_type: str = "application/zip") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    head = (f"POST {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n").encode()
    sock.sendall(head + body)
    return sock


def read_answer(sock: socket.socket) -> str:
    """The whole response: the head, then as many body bytes as Content-Length says."""
    data = b""
    while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < int(
            re.search(rb"content-length: (\d+)", data, re.I).group(1)):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    sock.close()
    return data.decode("utf-8", "replace")


def test_a_request_over_its_declared_limit_is_refused_before_its_body_is_read(runtime) -> None:
    setup_units(runtime.ctx)
    tokens = issue_tokens(runtime.ctx)
    with live_server(runtime, Limits(max_batch_bytes=1 * MB)) as server:
        sock = raw_request(server.port, "/api/v1/batches", tokens[DESIGN], 5 * MB, b"PK")
        answer = read_answer(sock)
    assert answer.startswith("HTTP/1.1 413") and '"upload.too_large"' in answer
    assert uploads_left(runtime.ctx) == [] and count(runtime.ctx, ImportBatch) == 0


def test_a_streamed_body_over_the_limit_is_cut_at_the_limit(runtime) -> None:
    setup_units(runtime.ctx)
    tokens = issue_tokens(runtime.ctx)

    def chunks():
        for _ in range(3):
            yield b"0" * MB

    with live_server(runtime, Limits(max_batch_bytes=1 * MB)) as server:
        with httpx.Client(base_url=server.url, timeout=60) as c:
            try:
                response = c.post("/api/v1/batches", content=chunks(),
                                  headers={"Authorization": f"Bearer {tokens[DESIGN]}"})
                assert_error(response, 413, "upload.too_large")
            except httpx.TransportError:
                pass  # the server may close before the client has written everything
    assert uploads_left(runtime.ctx) == [] and count(runtime.ctx, ImportBatch) == 0


def wait_until(condition, what: str) -> None:
    for _ in range(2000):
        if condition():
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"never happened: {what}")


@pytest.mark.parametrize("path", ["/api/v1/batches", "/api/v1/applications"])
def test_an_upload_cut_off_by_the_client_leaves_no_files_and_no_rows(api, path) -> None:
    if path.endswith("batches"):
        body, ctype = batch_zip([person(1, DESIGN)]), "application/zip"
    else:
        body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.pdf\"\r\n\r\n"
                + PDF + b"0" * (2 * MB))
        ctype = "multipart/form-data; boundary=XyZ"
    sock = raw_request(api.port, path, api.tokens[DESIGN], len(body) + 4 * MB, body, ctype)
    wait_until(lambda: uploads_left(api.ctx), "the upload started")
    sock.close()
    wait_until(lambda: not uploads_left(api.ctx), "the upload's folder was removed")
    assert count(api.ctx, ImportBatch) == 0 and count(api.ctx, Application) == 0
    assert count(api.ctx, ApiUpload) == 0


# --- errors ---------------------------------------------------------------------------------------

def test_errors_are_json_with_a_stable_code_and_a_chinese_message(api) -> None:
    assert_error(api.client.get("/api/v1/nothing", headers=auth(api, DESIGN)), 404, "not_found")
    assert_error(api.client.get("/api/v1/batches/abc", headers=auth(api, DESIGN)), 422, "request.invalid")
    assert_error(api.client.delete("/api/v1/batches/1", headers=auth(api, DESIGN)), 405,
                 "method_not_allowed")
    assert_error(api.client.post("/api/v1/applications", content=b"--x\r\nbroken",
                                 headers=auth(api, DESIGN) | {"Content-Type": "text/plain"}),
                 400, "form.invalid")
    assert_error(api.client.post("/api/v1/batches", content=b"", headers=auth(api, DESIGN)),
                 400, "body.empty")


def test_an_unexpected_error_is_logged_and_answered_without_a_traceback(api, monkeypatch, caplog) -> None:
    from pipeline.services import queries

    def broken(*args, **kwargs):
        raise RuntimeError("internal detail that must not leak")

    body = send_application(api, DESIGN, 60, DESIGN).json()
    monkeypatch.setattr(queries, "show_application", broken)
    response = api.client.get(f"/api/v1/applications/{body['application']}", headers=auth(api, DESIGN))
    assert_error(response, 500, "server.error")
    assert "internal detail" not in response.text
    assert any("internal detail" in str(r.exc_info) for r in caplog.records if r.exc_info)
