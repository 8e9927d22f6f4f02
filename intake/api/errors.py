"""Every answer that is not a success is JSON `{"code", "message"}`, the message in Chinese.

Codes are stable (clients branch on them); no traceback ever reaches a client. One handler maps
the error tree (pipeline.errors, docs/errors.md): the status comes from the error's class (an
ApiError carries its own), and an environment fault (database locked, disk full, ...) is put in
the tree by `classify`; anything else is logged with its traceback and answered `server.error`.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipeline.errors import TransientFault, ZhichengError, classify
from pipeline.services import access

log = logging.getLogger("zhicheng.api")


class ApiError(ZhichengError):
    """An expected refusal: an HTTP status, a stable code and a Chinese message."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra
        self.http_status = status


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, **extra}


def respond(exc: ZhichengError) -> JSONResponse:
    """The JSON answer for an error of the tree, its status by class (or the ApiError's own)."""
    headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
    if isinstance(exc, TransientFault):
        headers = {"Retry-After": "30"}
    extra = exc.extra if isinstance(exc, ApiError) else {}
    message = str(exc)
    if exc.http_status >= 500 and not isinstance(exc, ApiError):
        # The tree's messages for our own faults are written for the operator (paths, commands);
        # the client learns the kind and whether to retry, the log keeps the rest.
        message = ("服务器暂时无法处理该请求，请稍后重试" if isinstance(exc, TransientFault) else
                   "服务器配置或内部故障，已记录日志；请稍后重试，如仍失败请联系运维人员")
    return JSONResponse(error_body(exc.code, message, **extra), status_code=exc.http_status,
                        headers=headers)


_HTTP_CODES = {
    404: ("not_found", "没有这个地址：请查看 /openapi.json 中的接口列表"),
    405: ("method_not_allowed", "该地址不支持此请求方法：请查看 /openapi.json 中的接口说明"),
}


ACTIONS = {"upload_batch": ("upload.batch", "batch"),
           "upload_application": ("upload.application", "application"),
           "read_batch": ("read.batch", "batch"), "read_application": ("read.application", "application")}


def client_of(request: Request) -> str | None:
    """The client's address as this server saw it (a proxy's, behind one)."""
    return request.client.host if request.client else None


async def log_refusal(request: Request, status: int) -> None:
    """Every refused /api/ request goes to the access log with the client's address."""
    if not request.url.path.startswith("/api/"):
        return
    route = request.scope.get("route")
    action, subject = ACTIONS.get(getattr(route, "name", ""), ("request", "path"))
    params = request.scope.get("path_params") or {}
    subject_id = next(iter(params.values()), None) or (
        "-" if action != "request" else request.url.path)
    try:
        await run_in_threadpool(access.log_access, request.app.state.ctx,
                                getattr(request.state, "principal", None), action, subject,
                                subject_id, status, client_of(request))
    except Exception as exc:  # noqa: BLE001 - the log row must never change the answer
        log.warning("access log not written for %s %s: %s", request.method, request.url.path, exc)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into the JSON error shape."""

    @app.exception_handler(ZhichengError)
    async def _ours(request: Request, exc: ZhichengError) -> JSONResponse:
        if exc.http_status >= 500:
            log.error("%s on %s %s: %s", type(exc).__name__, request.method, request.url.path, exc)
        else:
            await log_refusal(request, exc.http_status)
        return respond(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        where = "；".join(".".join(str(p) for p in e.get("loc", ()) if p not in ("path", "query",
                          "header", "body")) or "请求" for e in exc.errors()[:5])
        await log_refusal(request, 422)
        return JSONResponse(error_body("request.invalid", f"请求参数不正确：{where}；"
                                       "请对照 /openapi.json 中的接口说明修改后重试"),
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _HTTP_CODES.get(exc.status_code, ("http.error", "请求无法处理"))
        await log_refusal(request, exc.status_code)
        return JSONResponse(error_body(code, message), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    async def _environment(request: Request, exc: Exception) -> JSONResponse:
        # Registered for the exception types our environment's faults come as (not as the
        # catch-all, whose answer Starlette sends and then re-raises, resetting the connection).
        known = classify(exc, request.app.state.ctx.settings.data_dir)
        if known is None:
            return await _unexpected(request, exc)
        log.error("%s on %s %s: %s", type(known).__name__, request.method, request.url.path, exc)
        return respond(known)

    app.add_exception_handler(OSError, _environment)
    app.add_exception_handler(DBAPIError, _environment)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse(error_body("server.error", "服务器内部错误，已记录日志；"
                                       "请稍后重试，如仍失败请联系运维人员"), status_code=500)
