"""Login and logout (throttled by user name and by client address, in the database)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from console.web import BadForm, Console, Errors, text
from pipeline.services import accounts


def _next(raw: str) -> str:
    return raw if raw.startswith("/") and not raw.startswith("//") and "\\" not in raw else "/"


def routes(c: Console) -> APIRouter:
    r = APIRouter()

    @r.get("/login")
    def login_page(request: Request, next: str = "/") -> Response:
        return c.page(request, "login.html", title="登录", next=_next(next))

    @r.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        nxt = _next(text(form, "next"))
        if not c.sessions.csrf_ok(request, text(form, "csrf")):
            raise BadForm()
        username, password = text(form, "username", 50), str(form.get("password") or "")[:200]
        errors = Errors()
        if not username:
            errors.fields["username"] = "请填写用户名"
        if not password:
            errors.fields["password"] = "请填写密码"
        if not errors:
            client = request.client.host if request.client else "unknown"
            try:
                acct = accounts.login(c.ctx, username, password, client)
            except accounts.Throttled as exc:
                errors.general = str(exc)
            else:
                if acct is None:
                    errors.general = "用户名或密码不正确，或账号已停用"
                else:
                    c.sessions.login(request, acct)
                    return c.redirect(request, nxt)
        return c.page(request, "login.html", status=422 if not errors.general.startswith("登录失败次数")
                      else 429, title="登录", next=nxt, errors=errors, username=username)

    @r.post("/logout")
    async def logout(request: Request) -> Response:
        await c.posted(request)
        c.sessions.logout(request)
        return c.redirect(request, "/login", "已退出登录")

    return r
