"""公示: choose the people, contact, phone, start and working days (the last day shown before
saving), record and resolve objections, download the notice."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import FormData

from console.web import Console, Errors, ints, text
from console.who import Hidden, Who, center_only, owns_unit_work, unit_of
from pipeline.domain.states import State
from pipeline.domain.workdays import CalendarUnknown
from pipeline.services import publicity, publicity_closing, worklist
from pipeline.services.errors import WorkflowError
from pipeline.services.queries import NotFound
from pipeline.services.units import subordinates
from reports.lists import write_publicity

REFUSED = (WorkflowError, NotFound)   # what a publicity action refuses with

def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def last_day(c: Console, start: date | None, days_raw: str) -> tuple[date | None, Errors]:
    """The publicity's last working day, or the messages for the start and days fields."""
    errors = Errors()
    if start is None:
        errors.fields["start"] = "请填写公示开始日期（如 2026-12-07）"
    elif start < c.ctx.today():
        errors.fields["start"] = "公示开始日期不能早于今天"
    days = int(days_raw) if days_raw.isdigit() and len(days_raw) < 4 else 0
    if days < 1:
        errors.fields["days"] = "请填写公示天数（工作日，至少1天）"
    if errors or start is None:
        return None, errors
    try:
        return c.ctx.calendar.last_day(start, days), errors
    except (CalendarUnknown, ValueError) as exc:
        errors.fields["days"] = str(exc)
        return None, errors


def routes(c: Console) -> APIRouter:
    r = APIRouter()

    @r.get("/publicities")
    def listing(request: Request) -> Response:
        who = c.who(request)
        rows = worklist.publicities(c.ctx, None if who.is_center else who.unit_code)
        return c.page(request, "publicities.html", title="公示", rows=rows)

    def new_page(request: Request, who: Who, status: int = 200, **values: Any) -> Response:
        unit = unit_of(who)
        people, _ = worklist.search(c.ctx, frozenset({unit}) | _subs(c, unit), state=str(State.UNIT_PASSED), sort="id", per_page=1000)
        values.setdefault("form", {})
        return c.page(request, "publicity_new.html", status=status, title="开始公示", people=people,
                      **values)

    @r.get("/publicities/new")
    def new(request: Request) -> Response:
        return new_page(request, c.who(request))

    @r.get("/publicities/last-day")
    def preview(request: Request, start: str = "", days: str = "") -> Response:
        c.who(request)
        end, errors = last_day(c, _date(start), days)
        return JSONResponse({"last_day": end.isoformat() if end else None,
                             "errors": errors.fields})

    @r.post("/publicities/new")
    async def open_(request: Request) -> Response:
        who, form = await c.posted(request)
        unit = unit_of(who)
        ids = ints(form, "ids")
        end, errors = last_day(c, _date(text(form, "start")), text(form, "days"))
        if not text(form, "contact"):
            errors.fields["contact"] = "请填写公示联系人"
        if not publicity._PHONE.match(text(form, "phone")):
            errors.fields["phone"] = "联系电话无效：请填写手机号或带区号的固定电话，如 0731-84561234"
        if not ids:
            errors.fields["ids"] = "请勾选参加公示的人员"
        values = {"form": dict(form), "ticked": set(ids), "last_day": end}
        if errors or text(form, "action") == "preview":
            return new_page(request, who, 422 if errors else 200, errors=errors, **values)
        again = c.once(request, who, form, "/publicities")
        if again:
            return again
        try:
            assert end is not None
            start = _date(text(form, "start"))
            assert start is not None
            pid = publicity.open_publicity(c.ctx, unit, start, int(text(form, "days")),
                                           text(form, "contact"), text(form, "phone"), ids,
                                           by=who.actor)
        except (WorkflowError, NotFound) as exc:
            return new_page(request, who, 409, errors=Errors(general=str(exc)), **values)
        return c.redirect(request, f"/publicities/{pid}", f"公示已开始，至{end:%Y年%m月%d日}止")

    def view(request: Request, who: Who, pid: int, status: int = 200,
             errors: Errors | None = None) -> Response:
        owner = worklist.publicity_owner(c.ctx, pid)
        if owner is None or not (who.is_center or who.unit_code == owner):
            raise Hidden()
        return c.page(request, "publicity.html", status=status, title=f"公示{pid}",
                      p=publicity.publicity_view(c.ctx, pid), errors=errors or Errors(),
                      mine=who.unit_code == owner)

    def refused(request: Request, who: Who, pid: int) -> Callable[[Exception], Response]:
        """The publicity's page again, saying why the action was refused."""
        return lambda exc: view(request, who, pid, 409, Errors(general=str(exc)))

    @r.get("/publicities/{pid}")
    def show(request: Request, pid: int) -> Response:
        return view(request, c.who(request), pid)

    @r.post("/publicities/{pid}/objections")
    async def object_(request: Request, pid: int) -> Response:
        who, form = await c.posted(request)
        owns_unit_work(who, worklist.publicity_owner(c.ctx, pid))
        errors = _need(form, applicant="请选择被提出异议的人员", reason="请填写异议内容")
        if errors:
            return view(request, who, pid, 422, errors)
        return c.act_once(request, who, form, f"/publicities/{pid}",
                          lambda: publicity.object_to(c.ctx, pid, text(form, "applicant"),
                                                      text(form, "reason"), by=who.actor),
                          REFUSED, refused(request, who, pid), "异议已登记")

    @r.post("/publicities/{pid}/objections/{oid}")
    async def resolve(request: Request, pid: int, oid: int) -> Response:
        who, form = await c.posted(request)
        owns_unit_work(who, worklist.publicity_owner(c.ctx, pid))
        if oid not in {o["id"] for o in publicity.publicity_view(c.ctx, pid)["objections"]}:
            raise Hidden()
        errors = _need(form, note="请填写处理说明，说明核实情况")
        if text(form, "result") not in publicity.RESOLUTIONS:
            errors.fields["result"] = "请选择处理结果"
        if errors:
            return view(request, who, pid, 422, errors)
        return c.act_once(request, who, form, f"/publicities/{pid}",
                          lambda: publicity.resolve(c.ctx, oid, text(form, "result"), text(form, "note"),
                                                    by=who.actor),
                          REFUSED, refused(request, who, pid),
                          f"异议{oid}已处理：异议{publicity.RESOLUTIONS[text(form, 'result')]}")

    @r.post("/publicities/{pid}/confirm")
    async def confirm(request: Request, pid: int) -> Response:
        who, form = await c.posted(request)
        owns_unit_work(who, worklist.publicity_owner(c.ctx, pid))
        def note(done: publicity_closing.Confirmation) -> str:
            held = f"；{len(done.held)}人异议待处理" if done.held else ""
            return f"公示结果已确认：公示通过{len(done.passed)}人，公示未通过{len(done.failed)}人{held}"

        return c.act_once(request, who, form, f"/publicities/{pid}",
                          lambda: publicity_closing.confirm(c.ctx, pid, by=who.actor),
                          REFUSED, refused(request, who, pid), note)

    @r.post("/publicities/{pid}/reopen")
    async def reopen(request: Request, pid: int) -> Response:
        who, form = await c.posted(request)
        center_only(who, admin=False)
        if worklist.publicity_owner(c.ctx, pid) is None:
            raise Hidden()
        if not text(form, "reason"):
            return view(request, who, pid, 422, Errors(fields={"reopen": "重新开启公示必须填写原因"}))
        return c.act_once(request, who, form, f"/publicities/{pid}",
                          lambda: publicity_closing.reopen(c.ctx, pid, text(form, "reason"), by=who.actor),
                          REFUSED, refused(request, who, pid),
                          lambda moved: f"公示已重新开启，{len(moved)}人回到公示中")

    @r.get("/publicities/{pid}/notice.{ext}")
    def notice(request: Request, pid: int, ext: str) -> Response:
        who = c.who(request)
        owner = worklist.publicity_owner(c.ctx, pid)
        if ext not in ("pdf", "xlsx") or owner is None or not (who.is_center or who.unit_code == owner):
            raise Hidden()

        with tempfile.TemporaryDirectory() as tmp:
            for path in write_publicity(c.ctx, pid, Path(tmp)):
                if path.suffix == f".{ext}":
                    media = ("application/pdf" if ext == "pdf" else
                             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                    return c.file(request, path.read_bytes(), path.name, media, inline=ext == "pdf")
        raise Hidden()

    return r


def _need(form: FormData, **fields: str) -> Errors:
    errors = Errors()
    for name, message in fields.items():
        if not text(form, name):
            errors.fields[name] = message
    return errors


def _subs(c: Console, unit: str) -> frozenset[str]:
    with c.ctx.db.uow() as s:
        return frozenset(subordinates(s, unit))
