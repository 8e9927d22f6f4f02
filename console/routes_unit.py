"""The 经办人's dashboard, and a batch uploaded from the browser with its progress and receipt."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from console.web import BadForm, Console, Errors
from console.who import Hidden, Who, read_scope
from intake.api import streaming, submit
from intake.api.errors import ApiError
from intake.template import template_bytes
from pipeline.services import access, queries, worklist
from pipeline.services.accounts import use_form_token
from pipeline.storage.db.models import FindingRow
from reports.receipt import write_receipt

MB = 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def routes(c: Console) -> APIRouter:
    r = APIRouter()

    @r.get("/")
    def home(request: Request) -> Response:
        who = c.who(request)
        if who.is_center:
            return c.redirect(request, "/center")
        assert who.unit_code is not None
        board = worklist.unit_dashboard(c.ctx, who.unit_code, read_scope(c.ctx, who))
        recent = worklist.batches(c.ctx, read_scope(c.ctx, who), limit=8)
        return c.page(request, "dashboard.html", title="工作台", board=board, recent=recent)

    @r.get("/upload")
    def upload_page(request: Request) -> Response:
        who = c.who(request)
        if who.is_center:
            raise Hidden()
        return c.page(request, "upload.html", title="上传批次",
                      limit_mb=c.limits.max_batch_bytes // MB)

    @r.post("/upload")
    async def upload(request: Request) -> Response:
        who = c.who(request)
        if who.is_center:
            raise Hidden()
        errors = Errors()
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > c.limits.max_batch_bytes + MB:
            errors.fields["zip"] = f"压缩包超过上限 {c.limits.max_batch_bytes // MB} MB，未受理"
            return _again(c, request, errors, 413)
        with streaming.upload_dir(c.ctx.settings.data_dir) as folder:
            try:
                form = await streaming.form_to_files(
                    request.stream(), request.headers.get("content-type", ""), folder,
                    c.limits.max_batch_bytes, c.limits.max_batch_bytes + MB)
            except (streaming.BodyTooLarge, streaming.FileTooLarge):
                errors.fields["zip"] = f"压缩包超过上限 {c.limits.max_batch_bytes // MB} MB，未受理"
                return _again(c, request, errors, 413)
            except ClientDisconnect:
                return Response(status_code=400)
            except ValueError:
                errors.fields["zip"] = "上传内容格式不正确，请重新选择压缩包"
                return _again(c, request, errors, 422)

            if not c.sessions.csrf_ok(request, form.fields.get("csrf")):
                raise BadForm()
            files = [f for f in form.files if f.size > 0]
            if len(files) != 1 or not files[0].name.lower().endswith(".zip"):
                errors.fields["zip"] = "请选择一个 .zip 压缩包（花名册与每人一个文件夹）"
                return _again(c, request, errors, 422)
            zipped = files[0]
            assert who.account is not None

            if not use_form_token(c.ctx, form.fields.get("once", ""), who.account.id):
                return c.redirect(request, "/", "该表单已经提交过，没有再次导入", "warn")
            try:
                status, body = await run_in_threadpool(
                    submit.import_zip, c.ctx, c.send, who.principal, zipped.path, zipped.sha256,
                    None, streaming.safe_name(zipped.name) or "batch.zip")
            except ApiError as exc:
                if exc.code == "batch.rejected":
                    return c.redirect(request, f"/batches/{exc.extra['batch']}",
                                      "整个批次未能受理，原因见下", "error")
                errors.fields["zip"] = exc.message
                return _again(c, request, errors, exc.status)
        note = "该压缩包此前已上传过，显示的是原批次" if body.get("replayed") else "已受理，正在自动审核"
        return c.redirect(request, f"/batches/{body['id']}", note)

    @r.get("/upload/template.xlsx")
    def template(request: Request) -> Response:
        c.who(request)

        return c.file(request, template_bytes(), "花名册模板.xlsx", XLSX)

    @r.get("/batches/{batch_id}")
    def batch(request: Request, batch_id: int) -> Response:
        who = c.who(request)
        _readable_batch(c, who, batch_id)
        receipt = queries.batch_receipt(c.ctx, batch_id)
        rows, _ = worklist.search(c.ctx, read_scope(c.ctx, who), batch=batch_id, sort="id",
                                  per_page=1000)
        findings = _blocking(c, [r["id"] for r in rows])
        pending = queries.batch_pending(c.ctx, batch_id)
        return c.page(request, "batch.html", title=f"批次{batch_id}", receipt=receipt, rows=rows,
                      findings=findings, pending=pending)

    @r.get("/batches/{batch_id}/progress")
    def progress(request: Request, batch_id: int) -> Response:
        who = c.who(request)
        _readable_batch(c, who, batch_id)
        total = len(queries.batch_receipt(c.ctx, batch_id)["applications"])
        pending = queries.batch_pending(c.ctx, batch_id)
        return JSONResponse({"total": total, "done": total - pending, "pending": pending})

    @r.get("/batches/{batch_id}/receipt.xlsx")
    def receipt_xlsx(request: Request, batch_id: int) -> Response:
        who = c.who(request)
        _readable_batch(c, who, batch_id)


        with tempfile.TemporaryDirectory() as tmp:
            path = write_receipt(c.ctx, batch_id, Path(tmp))
            return c.file(request, path.read_bytes(), path.name, XLSX)

    return r


def _again(c: Console, request: Request, errors: Errors, status: int) -> Response:
    return c.page(request, "upload.html", status=status, title="上传批次", errors=errors,
                  limit_mb=c.limits.max_batch_bytes // MB)


def _readable_batch(c: Console, who: Who, batch_id: int) -> None:
    if not access.can_read_batch(c.ctx, who.principal, batch_id):
        raise Hidden()


def _blocking(c: Console, ids: list[int]) -> dict[int, list[str]]:
    """The blocking findings (why an application was returned) of these applications."""

    out: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        with c.ctx.db.uow() as s:
            for f in s.scalars(select(FindingRow).where(FindingRow.application_id.in_(ids),
                                                        FindingRow.severity == "block")
                               .order_by(FindingRow.id)):
                out[f.application_id].append(f.message)
    return out
