"""The web console (单位与中心的工作台): server-rendered pages next to the API, same services."""

from __future__ import annotations

import inspect
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from console.web import HERE, BadForm, Console, Hidden, LoginNeeded
from intake.api import Limits
from pipeline.context import Context
from pipeline.stages import Send

API_PREFIXES = ("/api/", "/healthz", "/openapi.json")


def install(app: FastAPI, ctx: Context, send: Send, limits: Limits,
            secure_cookies: bool = False) -> Console:
    """Add the console's pages, files and JSON actions to the API's application."""
    from console import (
        api_actions,
        routes_apps,
        routes_auth,
        routes_center,
        routes_publicity,
        routes_recommend,
        routes_unit,
    )

    c = Console(ctx, send, limits, secure_cookies)
    app.state.console = c
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (routes_auth, routes_unit, routes_apps, routes_publicity, routes_recommend,
                   routes_center):
        app.include_router(module.routes(c), include_in_schema=False)
    app.include_router(api_actions.routes(c))
    json_http = app.exception_handlers[StarletteHTTPException]

    @app.exception_handler(LoginNeeded)
    async def _login(request: Request, exc: LoginNeeded) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        nxt = target if request.method == "GET" else "/"
        return RedirectResponse(f"/login?next={_quote(nxt)}", status_code=303)

    @app.exception_handler(Hidden)
    async def _hidden(request: Request, exc: Hidden) -> Response:
        return c.page(request, "error.html", status=404, title="页面不存在",
                      message="没有这个页面，或它不在您的工作范围内。")

    @app.exception_handler(BadForm)
    async def _bad_form(request: Request, exc: BadForm) -> Response:
        return c.page(request, "error.html", status=403, title="表单已失效",
                      message="表单已失效或来源不明（CSRF 校验未通过），未执行任何操作；请返回并刷新页面后重试。")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith(API_PREFIXES) or exc.status_code != 404:
            answer = json_http(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        return c.page(request, "error.html", status=404, title="页面不存在",
                      message="没有这个页面，或它不在您的工作范围内。")

    return c


def _quote(path: str) -> str:
    return quote(path if path.startswith("/") and not path.startswith("//") else "/", safe="/")
