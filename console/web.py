"""What every console page shares: templates, the logged-in person, forms, answers, redirects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData

from console.security import FILE_CSP, Sessions, new_form_token, page_headers, use_form_token
from console.who import Hidden, Who, of_account
from intake.api import Limits
from pipeline.context import Context
from pipeline.domain import vocabulary
from pipeline.domain.states import LABELS, State
from pipeline.services.accounts import Account
from pipeline.stages import Send

T = TypeVar("T")

HERE = Path(__file__).resolve().parent
STATE_LABELS = {str(k): v for k, v in LABELS.items()}
RESULT_LABELS = {**vocabulary.RESULT_LABELS, None: "—"}
PUB_STATES = vocabulary.PUBLICITY_STATE_LABELS


class LoginNeeded(Exception):
    """No session: the person is sent to the login page."""


class BadForm(Exception):
    """A form posted without its session's CSRF token: refused, nothing done."""


@dataclass
class Errors:
    """Messages beside the fields of a form that was refused."""

    fields: dict[str, str] = field(default_factory=dict)
    general: str = ""

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)


def _date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return value.isoformat()


def _iso(value: str | None) -> str:
    """An ISO timestamp as people read it: 2026-12-02 06:37."""
    return (value or "").replace("T", " ")[:16]


def _cn_date(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


class Console:
    """The console's shared parts for one application instance."""

    def __init__(self, ctx: Context, send: Send, limits: Limits,
                 secure_cookies: bool = False) -> None:
        self.ctx, self.send, self.limits = ctx, send, limits
        self.sessions = Sessions(ctx, secure_cookies)
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"),
                               autoescape=select_autoescape(["html"]), trim_blocks=True,
                               lstrip_blocks=True)
        self.env.filters.update(d=_date, cn_date=_cn_date, iso=_iso)
        self.env.globals.update(STATE_LABELS=STATE_LABELS, RESULT_LABELS=RESULT_LABELS,
                                PUB_STATES=PUB_STATES, State=State)

    # --- who -------------------------------------------------------------------------------
    def account(self, request: Request) -> Account:
        acct = self.sessions.account(request)
        if acct is None:
            raise LoginNeeded()
        return acct

    def who(self, request: Request) -> Who:
        return of_account(self.account(request))

    async def posted(self, request: Request) -> tuple[Who, FormData]:
        """The person and the form of a POST whose CSRF token matches their session."""
        who = self.who(request)
        form = await request.form()
        if not self.sessions.csrf_ok(request, _text(form.get("csrf"))):
            raise BadForm()
        return who, form

    def once(self, request: Request, who: Who, form: FormData, back: str) -> Response | None:
        """None the first time a form is posted; a redirect saying so on a repeat."""
        assert who.account is not None
        if use_form_token(self.ctx, _text(form.get("once")), who.account):
            return None
        self.sessions.flash(request, "该表单已经提交过，没有再次执行；请查看当前结果", "warn")
        return self.redirect(request, back)

    def act_once(self, request: Request, who: Who, form: FormData, back: str, action: Callable[[], T],
                 refusal: type[Exception] | tuple[type[Exception], ...],
                 refused: Callable[[Exception], Response], done: str | Callable[[T], str]) -> Response:
        """A form's action, run once: on a `refusal` the page `refused` gives, else back to `back`
        saying `done` (or what `done` makes of the action's result)."""
        again = self.once(request, who, form, back)
        if again:
            return again
        try:
            result = action()
        except refusal as exc:
            return refused(exc)
        return self.redirect(request, back, done if isinstance(done, str) else done(result))

    # --- answers ---------------------------------------------------------------------------
    def page(self, request: Request, template: str, status: int = 200, **values: Any) -> Response:
        acct = self.sessions.account(request)
        context: dict[str, Any] = dict(
            request=request, account=acct, csrf=self.sessions.csrf(request),
            once=new_form_token, flash=self.sessions.pop_flash(request), errors=Errors(),
            today=self.ctx.today())
        context.update(values)
        html = self.env.get_template(template).render(**context)
        return self.sessions.finish(request, HTMLResponse(html, status_code=status))

    def redirect(self, request: Request, url: str, message: str | None = None,
                 kind: str = "ok") -> Response:
        """303 to a page (POST-redirect-GET: the back button never posts again)."""
        if message:
            self.sessions.flash(request, message, kind)
        return self.sessions.finish(request, RedirectResponse(url, status_code=303))

    def file(self, request: Request, data: bytes | Path, name: str, media_type: str,
             inline: bool = False) -> Response:
        body = data.read_bytes() if isinstance(data, Path) else data
        disposition = "inline" if inline else "attachment"
        response = Response(body, media_type=media_type, headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}"})
        page_headers(response, FILE_CSP)
        return response


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def text(form: FormData, name: str, limit: int = 2000) -> str:
    """A text field of a form, stripped and cut to a sane length."""
    return _text(form.get(name)).strip()[:limit]


def ints(form: FormData, name: str) -> list[int]:
    """The ticked ids of a form (checkboxes named `name`), invalid ones dropped."""
    out = []
    for v in form.getlist(name):
        if isinstance(v, str) and v.isdigit() and len(v) < 10:
            out.append(int(v))
    return list(dict.fromkeys(out))


__all__ = ["Console", "Errors", "Hidden", "LoginNeeded", "BadForm", "text", "ints"]
