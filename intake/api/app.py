"""The ASGI application: uploads and reads under /api/v1, /healthz, /openapi.json.

Bodies are streamed to a per-request folder on disk (intake.api.streaming) and only then
imported, in a worker thread, through the same services as `zhicheng intake import`. A body cut
off by the client never reaches the import: its folder is removed and no row is written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from intake.api import errors, streaming, submit
from intake.api import metrics as http_metrics
from intake.api.errors import ApiError
from pipeline.context import Context
from pipeline.services import access, orphans, queries, tokens
from pipeline.services.tokens import Principal
from pipeline.stages import Send

log = logging.getLogger("zhicheng.api")
MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Upload limits, checked while the body is read."""

    max_file_bytes: int = 10 * MB            # one file of a single-application upload
    max_application_bytes: int = 200 * MB    # a whole single-application request
    max_batch_bytes: int = 2048 * MB         # a whole batch zip


class ErrorOut(BaseModel):
    code: str
    message: str


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text_}
    for status, text_ in ((401, "缺少令牌或令牌无效"), (403, "无权操作"), (404, "不存在或无权查看"),
                          (409, "相同的上传正在处理中"), (413, "超过大小限制"),
                          (422, "请求内容不正确"))
}
FIELDS_DOC = {"type": "string", "description": "花名册字段：中文表头（如“姓名”）或英文别名（如 name）"}
APPLICATION_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object",
    "properties": {
        **{name: {"type": "string"} for name in (
            "name", "id_number", "phone", "unit_code", "year", "series", "specialty", "level",
            "title_name", "current_title", "current_title_date", "education", "degree",
            "graduation_date", "work_start_date", "ce_hours", "offline_review")},
        "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                  "description": "申报材料，文件名即材料名称，如“学历证书.jpg”；每个文件不超过 10 MB"},
    },
    "required": ["id_number", "unit_code"],
    "additionalProperties": FIELDS_DOC,
}}}}
BATCH_BODY = {"required": True, "content": {
    "application/zip": {"schema": {"type": "string", "format": "binary"}},
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}

bearer = HTTPBearer(auto_error=False, description="单位的令牌（zhicheng units token 签发）")
IdempotencyKey = Header(None, alias="Idempotency-Key", max_length=200,
                        description="重试同一上传时带上相同的值：不会重复导入")


# Events that name another unit's application (pipeline.stages.check: duplicate.flagged).
CENTER_ONLY_EVENTS = frozenset({"duplicate.flagged"})


def current_principal(request: Request,
                      creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
    if creds is None:
        raise ApiError(401, "auth.required", "缺少令牌：请在请求头 Authorization 中提供"
                       "“Bearer 令牌”（令牌由中心用 zhicheng units token 签发）")
    principal = tokens.authenticate(request.app.state.ctx, creds.credentials)
    if principal is None:
        raise ApiError(401, "auth.invalid", "令牌无效或已被吊销：请向中心申请新的令牌")
    request.state.principal = principal  # for the access log of a refusal (errors.log_refusal)
    return principal


def _too_large(what: str, limit: int) -> ApiError:
    return ApiError(413, "upload.too_large", f"{what}超过上限 {limit // MB} MB，未受理",
                    limit_bytes=limit)


def _declared_length(request: Request) -> int | None:
    try:
        return int(request.headers["content-length"])
    except (KeyError, ValueError):
        return None


def create_app(ctx: Context, send: Send, limits: Limits | None = None, *,
               health: Callable[[], dict[str, Any]] | None = None,
               metrics: Callable[[], bytes] | None = None) -> FastAPI:
    """The application for these ports; `send` sends applications to a stage (the queue's send); `health`
    (from the composition root) tells /healthz about the broker, the workers and the queues."""
    limits = limits or Limits(max_file_bytes=ctx.settings.max_file_bytes)
    app = FastAPI(title="zhicheng 职称申报上传接口", version="1", openapi_url="/openapi.json",
                  docs_url=None, redoc_url=None,
                  description="单位上传批次与单份申报、查询批次回执与申报状态（docs/reference.md §6）。")
    app.state.ctx, app.state.send, app.state.limits = ctx, send, limits
    _recover(ctx)
    errors.install(app)
    http_metrics.install(app, metrics)
    api = APIRouter(prefix="/api/v1", responses=ERRORS)

    @app.get("/healthz", tags=["运维"], summary="存活检查（无需令牌）")
    def healthz() -> dict[str, Any]:
        try:
            with ctx.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            log.warning("health check: database unreachable: %s", exc)
            raise ApiError(503, "db.unavailable", "数据库暂时无法连接") from None
        if health is None:
            return {"status": "ok"}
        found = health()
        if not found["broker"]["ok"]:
            raise ApiError(503, "broker.unavailable", "队列服务（Redis）暂时无法连接")
        # degraded: work waits and no worker runs (the hint says what to run)
        return {"status": "ok" if found["ok"] else "degraded", **found}

    @api.post("/batches", status_code=201, tags=["上传"], summary="上传一个批次 zip",
              openapi_extra={"requestBody": BATCH_BODY})
    async def upload_batch(request: Request, principal: Principal = Depends(current_principal),
                           idempotency_key: str | None = IdempotencyKey,
                           name: str = Query("batch.zip", max_length=200,
                                             description="压缩包的文件名（显示在回执中）")
                           ) -> Response:
        declared = _declared_length(request)
        if declared is not None and declared > limits.max_batch_bytes:
            raise _too_large("批次压缩包", limits.max_batch_bytes)
        with streaming.upload_dir(ctx.settings.data_dir) as folder:
            try:
                got = await streaming.body_to_file(request.stream(), folder / "batch.zip",
                                                   limits.max_batch_bytes)
            except streaming.BodyTooLarge:
                raise _too_large("批次压缩包", limits.max_batch_bytes) from None
            except ClientDisconnect:
                return _cut_off(principal, "batch")
            if got.size == 0:
                raise ApiError(400, "body.empty", "请求体为空：请以请求体上传批次 zip 压缩包")
            status, body = await run_in_threadpool(
                submit.import_zip, ctx, send, principal, got.path, got.sha256,
                idempotency_key, streaming.safe_name(name) or "batch.zip", errors.client_of(request))
        return JSONResponse(body, status_code=status)

    @api.post("/applications", status_code=201, tags=["上传"], summary="上传一份申报（花名册字段与材料文件）",
              openapi_extra={"requestBody": APPLICATION_BODY})
    async def upload_application(request: Request,
                                 principal: Principal = Depends(current_principal),
                                 idempotency_key: str | None = IdempotencyKey) -> Response:
        declared = _declared_length(request)
        if declared is not None and declared > limits.max_application_bytes:
            raise _too_large("请求", limits.max_application_bytes)
        with streaming.upload_dir(ctx.settings.data_dir) as folder:
            chunks = request.stream()
            try:
                form = await streaming.form_to_files(
                    chunks, request.headers.get("content-type", ""), folder,
                    limits.max_file_bytes, limits.max_application_bytes)
            except streaming.FileTooLarge as exc:
                await _drain(chunks, limits.max_application_bytes)
                raise ApiError(413, "file.too_large", f"文件“{exc.name}”超过 "
                               f"{limits.max_file_bytes // MB} MB，整份申报未受理；请压缩或拆分后重新提交"
                               "（多份同类材料可命名为“业绩材料-2.pdf”）",
                               limit_bytes=limits.max_file_bytes) from None
            except streaming.BodyTooLarge:
                raise _too_large("请求", limits.max_application_bytes) from None
            except ClientDisconnect:
                return _cut_off(principal, "application")
            except ValueError as exc:  # BadForm, or python-multipart's parse errors
                message = str(exc) if isinstance(exc, streaming.BadForm) else "multipart 请求体格式错误"
                raise ApiError(400, "form.invalid", f"{message}；请检查后重新提交") from None
            status, body = await run_in_threadpool(
                submit.import_application, ctx, send, principal, form, idempotency_key,
                errors.client_of(request))
        return JSONResponse(body, status_code=status)

    @api.get("/batches/{batch_id}", tags=["查询"], summary="批次回执")
    def read_batch(request: Request, batch_id: int = Path(ge=1, le=2**31 - 1),
                   principal: Principal = Depends(current_principal)) -> dict[str, Any]:
        if not access.can_read_batch(ctx, principal, batch_id):
            raise ApiError(404, "batch.not_found", f"批次{batch_id}不存在，或不是本单位提交的批次")
        access.log_access(ctx, principal, "read.batch", "batch", batch_id, 200, errors.client_of(request))
        return queries.batch_receipt(ctx, batch_id)

    @api.get("/applications/{application_id}", tags=["查询"],
             summary="一份申报：状态、审核发现、审核记录与处理记录")
    def read_application(request: Request, application_id: int = Path(ge=1, le=2**31 - 1),
                         principal: Principal = Depends(current_principal)) -> dict[str, Any]:
        if not access.can_read_application(ctx, principal, application_id):
            raise ApiError(404, "application.not_found",
                           f"申报{application_id}不存在，或不属于本单位及下级单位")
        access.log_access(ctx, principal, "read.application", "application", application_id, 200,
                          errors.client_of(request))
        shown = queries.show_application(ctx, application_id)
        if not principal.is_center:  # another unit's application of the same person: center only
            shown["events"] = [e for e in shown["events"] if e["action"] not in CENTER_ONLY_EVENTS]
        return shown

    app.include_router(api)
    return app


def _recover(ctx: Context) -> None:
    """At start: what a killed server left (claims, batches, upload folders) is cleared."""
    swept = orphans.sweep(ctx)
    removed = streaming.remove_orphans(ctx.settings.data_dir, datetime.now())
    if swept.batches or swept.claims or removed:
        log.warning("left by a process that died: batches %s marked interrupted, %d upload claims "
                    "dropped, %d upload folders removed", swept.batches, swept.claims, removed)


async def _drain(chunks: Any, limit: int) -> None:
    try:
        await streaming.drain(chunks, limit)
    except ClientDisconnect:
        pass


def _cut_off(principal: Principal, what: str) -> Response:
    # The client went away mid-body: nothing was imported and the folder is removed on exit;
    # the answer below is never read by anyone.
    log.info("upload of %s by %s cut off by the client", what, principal.name)
    return Response(status_code=400)
